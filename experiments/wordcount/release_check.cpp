#include "experiments/wordcount/release_check.h"

#include <algorithm>
#include <fstream>
#include <ostream>
#include <stdexcept>

namespace wordcount_bench {

Input load_words(const std::string& path, std::uint64_t count) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  Input words;
  std::unordered_map<std::string, std::uint32_t> ids;
  ids.reserve(1 << 17);
  std::string line;
  while ((count == 0 || words.size() < count) && std::getline(in, line)) {
    const auto [it, added] = ids.try_emplace(line, static_cast<std::uint32_t>(words.vocab.size()));
    if (added) words.vocab.push_back(line);
    words.ids.push_back(it->second);
  }
  return words;
}

ReleaseCheck::ReleaseCheck(const Input& input)
    : input_(input),
      occurrence_(input.size()),
      first_(input.vocab.size() + 1, 0),
      positions_(input.size()),
      words_(input.vocab.size()),
      released_at_(input.size(), 0),
      engine_latency_(input.size(), -1) {
  index_.reserve(input.vocab.size());
  for (std::uint32_t id = 0; id < input.vocab.size(); ++id) index_.emplace(input.vocab[id], id);
  // Occurrences per word, then each word's slice of positions_ (first_ is its prefix sum).
  std::vector<std::uint32_t> seen(input.vocab.size(), 0);
  for (std::size_t i = 0; i < input.size(); ++i) occurrence_[i] = ++seen[input.ids[i]];
  for (std::size_t id = 0; id < seen.size(); ++id) first_[id + 1] = first_[id] + seen[id];
  for (std::size_t i = 0; i < input.size(); ++i) {
    const std::uint32_t id = input.ids[i];
    positions_[first_[id] + occurrence_[i] - 1] = static_cast<std::uint32_t>(i);
  }
}

void ReleaseCheck::record_unexpected(std::string_view word, std::int64_t count, std::int64_t now,
                                     std::int64_t stamp) {
  const auto it = index_.find(word);
  if (it == index_.end() || count < 1) {
    ++bad_outputs_;
    return;
  }
  const std::uint32_t id = it->second;
  if (static_cast<std::uint64_t>(count) > first_[id + 1] - first_[id]) {
    ++bad_outputs_;
    return;
  }
  accept(positions_[first_[id] + static_cast<std::size_t>(count - 1)], id, count, now, stamp);
}

void ReleaseCheck::accept(std::size_t i, std::uint32_t id, std::int64_t count, std::int64_t now,
                          std::int64_t stamp) {
  PerWord& word = words_[id];
  if (static_cast<std::uint64_t>(count) != word.last + 1) ++sequence_violations_;
  word.last = static_cast<std::uint64_t>(count);
  ++word.outputs;
  if (released_at_[i] != 0) {
    ++duplicates_;
    return;
  }
  if (static_cast<std::int64_t>(i) < last_index_) ++order_violations_;
  last_index_ = std::max<std::int64_t>(last_index_, static_cast<std::int64_t>(i));
  released_at_[i] = now;
  if (stamp >= 0) engine_latency_[i] = now - stamp;
}

void ReleaseCheck::write_counts(std::ostream& out) const {
  for (std::uint32_t id = 0; id < input_.vocab.size(); ++id)
    if (words_[id].outputs)
      out << input_.vocab[id] << '\t' << words_[id].last << '\t' << words_[id].outputs << '\n';
}

}  // namespace wordcount_bench
