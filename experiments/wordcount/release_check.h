// The word-count benchmark's input and its check of every released (word, count).
//
// A released (word, count) names its input exactly: the count-th occurrence of the word. The check
// attributes each release to that input, records when it came out, and counts what is wrong (an
// unknown word or impossible count, a second release of one input, a count that does not follow
// the word's previous one, an input released before one released earlier). It runs on the engine's
// sink thread, so it must cost little next to the engine: in ordered mode a release is almost
// always the next input, which is checked with sequential reads only (one lookup of the word's
// text); anything else takes the word → id hash lookup.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wordcount_bench {

// The input: word i is vocab[ids[i]] (a vector of ids, not of strings, keeps the driver's own
// memory small next to the engine's at 10 M words).
struct Input {
  std::vector<std::string> vocab;
  std::vector<std::uint32_t> ids;
  std::size_t size() const { return ids.size(); }
  const std::string& operator[](std::size_t i) const { return vocab[ids[i]]; }
};

// The first `count` lines of the file at `path` (all of them when `count` is 0), one word a line.
Input load_words(const std::string& path, std::uint64_t count);

class ReleaseCheck {
 public:
  explicit ReleaseCheck(const Input& input);

  // One released count at wall time `now` (ns); `stamp` is the front's ingestion time, or −1.
  void record(std::string_view word, std::int64_t count, std::int64_t now, std::int64_t stamp) {
    const std::size_t next = static_cast<std::size_t>(last_index_ + 1);
    // The next releases will compare with these words' texts and update their counters: fetch
    // both ahead (vocab and the counters are large and read at random).
    if (next + kAhead < occurrence_.size()) {
      const std::uint32_t ahead = input_.ids[next + kAhead];
      __builtin_prefetch(&input_.vocab[ahead]);
      __builtin_prefetch(&words_[ahead], 1);
    }
    if (next < occurrence_.size() && count == static_cast<std::int64_t>(occurrence_[next]) &&
        word == input_[next]) {
      accept(next, input_.ids[next], count, now, stamp);
    } else {
      record_unexpected(word, count, now, stamp);
    }
  }
  // Counts an output that could not even be parsed.
  void record_malformed() { ++bad_outputs_; }

  // When input i was released (wall ns), 0 if never.
  std::int64_t released_at(std::size_t i) const { return released_at_[i]; }
  // Release time minus the front's ingestion stamp of input i, −1 if unknown or never released.
  std::int64_t engine_latency(std::size_t i) const { return engine_latency_[i]; }

  std::uint64_t bad_outputs() const { return bad_outputs_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t sequence_violations() const { return sequence_violations_; }
  std::uint64_t order_violations() const { return order_violations_; }

  // Per word that was released: word, last count released, number of releases; a line each.
  void write_counts(std::ostream& out) const;

 private:
  static constexpr std::size_t kAhead = 16;

  void record_unexpected(std::string_view word, std::int64_t count, std::int64_t now, std::int64_t stamp);
  void accept(std::size_t i, std::uint32_t id, std::int64_t count, std::int64_t now, std::int64_t stamp);

  const Input& input_;
  std::unordered_map<std::string_view, std::uint32_t> index_;  // word → id, into input_.vocab
  std::vector<std::uint32_t> occurrence_;   // per input: which occurrence of its word it is (1-based)
  std::vector<std::uint32_t> first_;        // per id: where its occurrences start in positions_
  std::vector<std::uint32_t> positions_;    // per id, in order: the inputs holding the word
  struct PerWord {
    std::uint64_t last = 0;     // last count released
    std::uint64_t outputs = 0;  // releases
  };
  std::vector<PerWord> words_;  // per id: one cache line touched a release, not two
  std::vector<std::int64_t> released_at_;
  std::vector<std::int64_t> engine_latency_;
  std::int64_t last_index_ = -1;
  std::uint64_t bad_outputs_ = 0, duplicates_ = 0, sequence_violations_ = 0, order_violations_ = 0;
};

}  // namespace wordcount_bench
