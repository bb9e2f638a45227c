// Word count as MapReduce on a stream (paper §2.3, Fig. 2):
//   in -> tokenize -> to-mapped -> cycle(merge) -> group(w=2, by word) -> valid(filter)
//         -> reduce(map) -> fanout(broadcast) -> {cycle, out}
// A mapped item is (0|word|1), a reduced item (1|word|count). The filter keeps (mapped), the first
// occurrence, and (reduced|mapped), a new word after its current count; every other window is a
// transient of out-of-order arrival or the echo of the cycle.
#include "graphs/catalog.h"

#include "model/errors.h"

namespace flamestream {

namespace {

constexpr std::int64_t kMapped = 0;
constexpr std::int64_t kReduced = 1;

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

void tokenize(const Value& line, std::vector<Value>& words) {
  const std::string& s = line.as_string();
  std::string word;
  for (unsigned char c : s) {
    if (is_word_byte(c)) {
      word += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (!word.empty()) {
      words.emplace_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.emplace_back(std::move(word));
}

std::int64_t tag(const Value& item) { return item.as_tuple()[0].as_int(); }
const Value& word_of(const Value& item) { return item.as_tuple()[1]; }
std::int64_t count_of(const Value& item) { return item.as_tuple()[2].as_int(); }

Value to_mapped(const Value& word) { return Value::tuple({kMapped, word, 1}); }

bool valid_window(const Value& window) {
  const auto& w = window.as_tuple();
  if (w.size() == 1) return tag(w[0]) == kMapped;
  return tag(w[0]) == kReduced && tag(w[1]) == kMapped;
}

Value reduce(const Value& window) {
  const auto& w = window.as_tuple();
  const Value& last = w.back();
  const std::int64_t before = w.size() == 2 ? count_of(w[0]) : 0;
  return Value::tuple({kReduced, word_of(last), before + count_of(last)});
}

void format_count(const Value& reduced, std::string& out) {
  out += word_of(reduced).as_string();
  out += '\t';
  Value(count_of(reduced)).append_text(out);
}

}  // namespace

GraphSpec wordcount_spec() {
  return {"wordcount",
          "text: prints word<TAB>count for every word, in input order (MapReduce as a cycle)",
          {},
          [](const Params&) {
            GraphBuilder b;
            b.front("in")
                .flat_map("tokenize", tokenize)
                .map("to-mapped", to_mapped)
                .merge("cycle")
                .grouping("group", 2, word_of)
                .filter("valid", valid_window)
                .map("reduce", reduce)
                .broadcast("fanout")
                .sink("out")
                .chain({"in", "tokenize", "to-mapped", "cycle", "group", "valid", "reduce",
                        "fanout", "cycle"})
                .edge("fanout", "out");
            return Job{b.build(), [](std::string_view line) { return Value(line); },
                       format_count};
          }};
}

}  // namespace flamestream
