// Two groupings in a row: pairs by parity, their sums, then runs of three sums by sum mod 4.
// A replay in the first grouping changes sums, which replays and cancels in the second.
#include "graphs/catalog.h"

namespace flamestream {

namespace {

Value sum_of_tuple(const Value& v) {
  std::int64_t sum = 0;
  for (const Value& e : v.as_tuple()) sum += e.as_int();
  return Value(sum);
}

Value mod4(const Value& v) { return Value(((v.as_int() % 4) + 4) % 4); }

}  // namespace

GraphSpec chained_groupings_spec() {
  return {"chained-groupings",
          "integers: windows of 2 by parity, summed, then windows of 3 sums by sum mod 4",
          {},
          [](const Params&) {
            GraphBuilder b;
            b.front("in")
                .grouping("pairs", 2, parity)
                .map("sum", sum_of_tuple)
                .grouping("runs", 3, mod4)
                .sink("out")
                .chain({"in", "pairs", "sum", "runs", "out"});
            return Job{b.build(), parse_int_line, format_text};
          }};
}

}  // namespace flamestream
