// MapReduce as a stream (paper §2.3, Fig. 2): the cycle every MapReduce job of the catalog runs.
//
//   in -> split -> to-mapped -> cycle(merge) -> group(w=2, by key) -> valid(filter)
//      -> reduce(map) -> fanout(broadcast) -> {cycle, [release(map) ->] out}
//
// A job whose split emits mapped items itself (Steps::split_maps) has no to-mapped node: the split
// goes straight into the cycle. That saves a tuple, a copy of the key and an operation a record. The
// traces lose the to-mapped entry, which was (0, 0) right after the split's on every item of the
// graph: dropping one constant entry at one position from every trace keeps the order of any two
// traces and whether they first differ in logical time or in child id, so the invalidation relation
// and every released item stay as they were.
//
// A mapped item is (0|key|...), a reduced item (1|key|...). The filter keeps (mapped), the key's
// first occurrence, and (reduced|mapped), a new mapped item after the key's current reduction;
// every other window is a transient of out-of-order arrival or the echo of the cycle. Jobs give the
// split, the reduce step and, optionally, what the sink receives of a reduced item.
#pragma once

#include <string>

#include "model/graph.h"

namespace flamestream::mapreduce {

inline constexpr std::int64_t kMapped = 0;
inline constexpr std::int64_t kReduced = 1;

std::int64_t tag(const Value& item);
const Value& key_of(const Value& item);

struct Steps {
  FlatMapFn split;   // one input to the (key|value...) records it maps to
  MapFn reduce;      // a valid window, (mapped) or (reduced|mapped), to the new reduced item
  MapFn release;     // optional: a reduced item to what the sink receives
  // The split emits mapped items (kMapped|key|value...), what to-mapped would make of its records.
  bool split_maps = false;
};

// The graph above, with front "in" and sink "out".
LogicalGraph graph(const Steps& steps);

// Calls `word(w)` for each word of `text` in order: maximal runs of ASCII letters and digits,
// lowercased; every other byte separates words.
template <class F>
void for_each_word(const std::string& text, F&& word) {
  std::string w;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      w += static_cast<char>(c);
    } else if (c >= 'A' && c <= 'Z') {
      w += static_cast<char>(c - 'A' + 'a');
    } else if (!w.empty()) {
      word(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) word(std::move(w));
}

}  // namespace flamestream::mapreduce
