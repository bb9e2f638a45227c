// What the benchmarks of a sink's merge feed it: `count` released items, global time i + 1 each,
// spread over `instances` sink instances as keys spread over workers (by a hash of i), each
// instance's share in release order. Every item carries `trace`.
#pragma once

#include <cstdint>
#include <vector>

#include "model/item.h"

namespace flamestream {

inline std::vector<std::vector<Item>> released_items(std::size_t instances, std::int64_t count, const Trace& trace) {
  std::vector<std::vector<Item>> by(instances);
  for (std::int64_t i = 0; i < count; ++i) {
    Item item;
    item.payload = Value(i);
    item.meta.time = {static_cast<Timestamp>(i + 1), 0};
    item.meta.trace = trace;
    by[static_cast<std::size_t>((static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL) >> 40) % instances]
        .push_back(std::move(item));
  }
  return by;
}

}  // namespace flamestream
