// Word count as MapReduce on a stream (paper §2.3, Fig. 2; the cycle is graphs/mapreduce.h).
// The split emits the mapped item (0|word|1) per word of a line, a reduced item is (1|word|count),
// and the sink prints word<TAB>count for every word, in input order.
#include <charconv>

#include "graphs/catalog.h"
#include "graphs/mapreduce.h"

namespace flamestream {

namespace {

using namespace mapreduce;

void split_words(const Value& line, std::vector<Value>& records) {
  for_each_word(line.as_string(), [&](std::string word) {
    Value::TupleBuilder record(3);  // not an initializer list: its elements could only be copied
    record.add(kMapped).add(std::move(word)).add(1);
    records.push_back(record.build());
  });
}

std::int64_t count_of(const Value& item) { return item.as_tuple()[2].as_int(); }

Value reduce(const Value& window) {
  const auto& w = window.as_tuple();
  const Value& last = w.back();
  const std::int64_t before = w.size() == 2 ? count_of(w[0]) : 0;
  Value::TupleBuilder reduced(3);
  reduced.add(kReduced).add(key_of(last)).add(before + count_of(last));
  return reduced.build();
}

void format_count(const Value& reduced, std::string& out) {
  out += key_of(reduced).as_string();
  out += '\t';
  char digits[24];  // as Value(count).append_text writes it, without building the Value
  const auto end = std::to_chars(digits, digits + sizeof digits, count_of(reduced)).ptr;
  out.append(digits, end);
}

}  // namespace

GraphSpec wordcount_spec() {
  return {"wordcount",
          "text: prints word<TAB>count for every word, in input order (MapReduce as a cycle)",
          {},
          [](const Params&) {
            return Job{mapreduce::graph({split_words, reduce, {}, true}),
                       [](std::string_view line) { return Value(line); }, format_count};
          }};
}

}  // namespace flamestream
