// The sink barrier (paper §3.3.2, Claim 1): buffers items until no earlier item can change them.
//
// Items wait ordered by meta; a tombstone removes the item it cancels. Once the minimal time passes
// an item's timestamp, no item of that or an earlier time is in flight or can still appear, so
// nothing can cancel it any more: it is released, and releases come out in meta order, which makes
// the output totally ordered and deterministic.
//
// The buffer is a few vectors sorted by meta (runs), not a tree: a sink hears from every worker, and
// each worker's items come nearly in meta order, so an arrival is almost always an append to the run
// the last one joined (no node allocation, no rebalancing, no shifting of later items), a tombstone
// a binary search per run, and a release merges the runs' releasable prefixes. An arrival that
// extends no run starts one; past kMaxRuns it is inserted in place instead. Two live items with one
// meta are caught on arrival when they meet in one run, and on release otherwise.
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

  std::size_t buffered() const { return buffered_; }
  Timestamp min_time() const { return min_ts_; }
  const Stats& stats() const { return stats_; }

 private:
  static constexpr std::size_t kMaxRuns = 16;

  struct Run {
    std::vector<Item> items;  // sorted by meta; [head, end) is buffered, the rest released
    std::size_t head = 0;
    bool empty() const { return head == items.size(); }
  };

  void add_to_some_run(Item&& item);
  void cancel(const Item& tombstone);
  void release_merged(Timestamp min_ts, const std::function<void(const Item&)>& emit);
  void compact();

  std::vector<Run> runs_ = std::vector<Run>(1);  // never empty
  std::size_t last_run_ = 0;                     // the run the last arrival joined
  std::size_t buffered_ = 0;
  Timestamp min_ts_ = 0;
  Stats stats_;
};

}  // namespace flamestream
