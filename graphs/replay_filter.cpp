// The hole in the paper's invalidation, as a job: windows of 2 by value mod 3, then a filter that
// keeps a window only if it is a single item or starts with an odd number. When 2 arrives after 5,
// the replay turns (5) into (2|5), which the filter drops: only a tombstone can take (5) back.
// The identity "scatter" map is partitioned by value, so items of one key reach the grouping from
// different workers, over different channels, and do arrive out of order.
#include "graphs/catalog.h"

namespace flamestream {

namespace {

Value mod3(const Value& v) { return Value(((v.as_int() % 3) + 3) % 3); }

bool single_or_odd_first(const Value& v) {
  const auto& t = v.as_tuple();
  return t.size() == 1 || t.front().as_int() % 2 != 0;
}

}  // namespace

GraphSpec replay_filter_spec() {
  return {"replay-filter",
          "integers: windows of 2 by value mod 3, kept when single or starting odd",
          {},
          [](const Params&) {
            GraphBuilder b;
            b.front("in")
                .map("scatter", [](const Value& v) { return v; }, Partitioning::by_payload)
                .grouping("by-mod3", 2, mod3)
                .filter("single-or-odd-first", single_or_odd_first)
                .sink("out")
                .chain({"in", "scatter", "by-mod3", "single-or-odd-first", "out"});
            return Job{b.build(), parse_int_line, format_text};
          }};
}

}  // namespace flamestream
