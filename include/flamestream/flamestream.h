// The public API of FlameStream: write a job, build it as a shared library, run or submit it.
//
// Example, a job library counting lines by their first word (grouping with a window of 2):
//
//   #include <flamestream/flamestream.h>
//   using namespace flamestream;
//
//   static GraphSpec first_words() {
//     return {"first-words", "prints word<TAB>count for each line's first word", {},
//       [](const Params&) {
//         GraphBuilder b;
//         b.front("in")
//          .map("first", [](const Value& line) {
//             std::string_view s = line.as_string();
//             return Value(std::string(s.substr(0, s.find(' '))));
//           })
//          .grouping("count", 2, [](const Value& w) { return w; })
//          .map("sum", [](const Value& window) { return Value(window.as_tuple().back()); })
//          .sink("out")
//          .chain({"in", "first", "count", "sum", "out"});
//         return Job{b.build(), [](std::string_view l) { return Value(l); }, format_text};
//       }};
//   }
//   FLAMESTREAM_JOB("first-words", first_words())
//
//   c++ -std=c++20 -shared -fPIC job.cpp -o libjob.so $(pkg-config --cflags --libs flamestream)
//   flamestream run --job ./libjob.so first-words --input lines.txt
//
// Values (model/value.h): int64, string, tuple. Operations (model/operation.h): map, flat_map,
// filter, broadcast, merge, grouping(window, key). The builder (model/graph.h) names nodes and
// connects them by edges, cycles allowed. Functions must be deterministic: replay relies on it.
#pragma once

#include "flamestream/job.h"
#include "model/errors.h"
#include "model/graph.h"
#include "model/operation.h"
#include "model/value.h"
