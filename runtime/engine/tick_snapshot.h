// The grouping state a commit at a tick end writes, taken a part at a time on the worker's loop.
//
// When the minimal time passes a tick end, the state every later window needs (per key, the last
// w−1 items below the end) is fixed, and the commit for that end will write it. Walking, ordering
// and encoding all of it at that moment stalled the loop 15-30 ms every tick (2.4 MB, 50 k keys a
// worker in word count), and with both workers stalled at once, latencies rose to 40-75 ms for
// the next 100-250 ms. Here begin() only lists the buckets (the groupings pin what the snapshot
// still has to read, GroupingState::begin_snapshot) and each step() encodes a few thousand of them
// between rounds of processing; the page is framed as a message off the loop (SnapshotWriter).
// Invariant: the page is the one an ItemBatch of committed_state(end) at begin() encodes to.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/wire/codec.h"
#include "runtime/worker_graph.h"

namespace flamestream {

class TickSnapshot {
 public:
  // Buckets a step reads: about a millisecond.
  static constexpr std::size_t kSlotsPerStep = 2048;

  // Starts taking `graph`'s state at `end`: call when the minimal time has just passed `end`, before
  // the graph hears of it. One still under way must have been finished (step until true) first.
  void begin(WorkerGraph& graph, Timestamp end);
  // Encodes the next part; true once the page is ready (at once when nothing is under way).
  bool step(WorkerGraph& graph, std::size_t max_slots = kSlotsPerStep);

  Timestamp end() const { return end_; }
  bool under_way() const { return under_way_; }
  bool ready() const { return page_.has_value(); }
  // The page of the state at end(), once taken, for the commit that writes it; gone afterwards.
  std::string take_page();

 private:
  Timestamp end_ = 0;
  bool under_way_ = false;
  std::optional<std::string> page_;
  wire::PageEncoder encoder_;
  std::vector<std::pair<NodeId, const Item*>> part_;
};

}  // namespace flamestream
