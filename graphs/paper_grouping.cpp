// The paper's grouping example (§2.2): integers grouped by parity, window w (default 3).
// Input 1..8 with w = 3 gives (1) (2) (1|3) (2|4) (1|3|5) (2|4|6) (3|5|7) (4|6|8).
#include "graphs/catalog.h"

namespace flamestream {

Value parity(const Value& v) {
  const std::int64_t x = v.as_int();
  return Value(x % 2 == 0 ? 0 : 1);
}

GraphSpec paper_grouping_spec() {
  return {"paper-grouping",
          "integers (one per line) grouped by parity; prints each window as (a|b|c)",
          {{"window", "3", "grouping window"}},
          [](const Params& params) {
            GraphBuilder b;
            b.front("in")
                .grouping("by-parity", positive_param(params, "window"), parity)
                .sink("out")
                .chain({"in", "by-parity", "out"});
            return Job{b.build(), parse_int_line, format_text};
          }};
}

}  // namespace flamestream
