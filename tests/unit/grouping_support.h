// Helpers shared by the grouping tests: items of the paper's example and the live-window view.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "graphs/catalog.h"
#include "model/grouping.h"

namespace flamestream::testing_support {

// Input x of the paper's example: payload x, global time (x, 0), empty trace.
inline Item int_item(std::int64_t x) {
  return Item{Value(x), Meta{{static_cast<Timestamp>(x), 0}, {}}, false};
}

inline GroupingOp parity_grouping(std::size_t window) { return GroupingOp{window, parity}; }

inline std::vector<std::string> texts(const std::vector<Output>& out) {
  std::vector<std::string> t;
  for (const Output& o : out) t.push_back((o.item.tombstone ? "-" : "") + o.item.payload.to_text());
  return t;
}

// Applies emitted windows and tombstones in order, as a sink would: a tombstone must match a live
// window (same meta and payload) and removes it. Returns the live windows, in meta order.
inline std::map<Meta, Value> live_windows(const std::vector<Output>& out) {
  std::map<Meta, Value> live;
  for (const Output& o : out) {
    EXPECT_EQ(o.port, 0u);
    if (o.item.tombstone) {
      auto it = live.find(o.item.meta);
      EXPECT_TRUE(it != live.end()) << "tombstone of no live window at " << to_string(o.item.meta);
      if (it == live.end()) continue;
      EXPECT_EQ(it->second, o.item.payload) << "tombstone payload differs at " << to_string(o.item.meta);
      live.erase(it);
    } else {
      EXPECT_TRUE(live.emplace(o.item.meta, o.item.payload).second)
          << "two live windows at " << to_string(o.item.meta);
    }
  }
  return live;
}

inline std::vector<std::string> live_texts(const std::vector<Output>& out) {
  std::vector<std::string> t;
  for (const auto& [meta, payload] : live_windows(out)) t.push_back(payload.to_text());
  return t;
}

// Feeds inputs x1, x2, ... in this order and returns everything emitted.
inline std::vector<Output> feed(GroupingState& state, const std::vector<std::int64_t>& order) {
  std::vector<Output> out;
  for (std::int64_t x : order) state.on_item(int_item(x), out);
  return out;
}

}  // namespace flamestream::testing_support
