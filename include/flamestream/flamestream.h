// The public API of FlameStream: write a job, build it as a shared library, run or submit it.
//
// Example, a job library: for each line, its first word and whether the previous line that began
// with the same word exists (grouping by the word, window 2):
//
//   #include <flamestream/flamestream.h>
//   using namespace flamestream;
//
//   static GraphSpec first_words() {
//     return {"first-words", "prints word<TAB>1 or 2: lines so far starting with it, at most 2", {},
//       [](const Params&) {
//         GraphBuilder b;
//         b.front("in")
//          .map("first", [](const Value& line) {
//             const std::string& s = line.as_string();
//             return Value(s.substr(0, s.find(' ')));
//           })
//          .grouping("seen", 2, [](const Value& word) { return word; })
//          .map("print", [](const Value& window) {
//             const auto w = window.as_tuple();
//             return Value(w[0].as_string() + "\t" + std::to_string(w.size()));
//           })
//          .sink("out")
//          .chain({"in", "first", "seen", "print", "out"});
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
