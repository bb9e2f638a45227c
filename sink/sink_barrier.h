// The sink barrier (paper §3.3.2, Claim 1): buffers items until no earlier item can change them.
//
// Items wait ordered by meta; a tombstone removes the item it cancels. Once the minimal time passes
// an item's timestamp, no item of that or an earlier time is in flight or can still appear, so
// nothing can cancel it any more: it is released, and releases come out in meta order, which makes
// the output totally ordered and deterministic.
//
// The buffer is a vector sorted by meta, not a tree: items reach the sink nearly in meta order, so
// an arrival is almost always an append (no node allocation, no rebalancing), a tombstone a binary
// search, and a release walks a contiguous prefix and hands out the buffered items themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/item.h"

namespace flamestream {

class SinkBarrier {
 public:
  struct Stats {
    std::uint64_t arrived = 0;    // items (not tombstones) that reached the barrier
    std::uint64_t cancelled = 0;  // of those, removed by a tombstone
    std::uint64_t released = 0;
    std::size_t peak_buffered = 0;
  };

  // Buffers an item, or removes the one a tombstone cancels. An item below the last minimal time
  // is a broken invariant: releases may already have passed it.
  void on_item(const Item& item) { on_item(Item(item)); }
  // The same, consuming `item`: the buffer keeps the item itself instead of a copy.
  void on_item(Item&& item);

  // Releases, in meta order, every buffered item with a timestamp below `min_ts`.
  void release(Timestamp min_ts, const std::function<void(const Item&)>& emit);

  std::size_t buffered() const { return buffer_.size() - head_; }
  Timestamp min_time() const { return min_ts_; }
  const Stats& stats() const { return stats_; }

 private:
  std::vector<Item> buffer_;  // sorted by meta; [head_, end) is buffered, the rest released
  std::size_t head_ = 0;
  Timestamp min_ts_ = 0;
  Stats stats_;
};

}  // namespace flamestream
