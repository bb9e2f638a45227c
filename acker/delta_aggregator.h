// Per-worker aggregation of acker deltas (XOR is associative, so many deltas fold into one).
//
// A worker adds the delta of each processed batch and the reports of its fronts, and sends the
// aggregate every N deltas or T nanoseconds. Batching is what makes the acker cheap; the flush
// interval trades release latency for acker traffic. Folding whole deltas keeps each one atomic.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "acker/ack_delta.h"

namespace flamestream {

class DeltaAggregator {
 public:
  DeltaAggregator(Timestamp slot_width, std::size_t max_deltas)
      : slot_width_(slot_width), max_deltas_(max_deltas) {}

  // XORs one item id into the slot of its timestamp (a registration or an ack: both are XORs).
  // Timestamps mostly come in runs of one slot, so a run folds into the last entry; take() folds
  // the rest.
  void add(Timestamp ts, std::uint64_t id) {
    const Timestamp slot = ts - ts % slot_width_;
    if (!slots_.empty() && slots_.back().slot_ts == slot) {
      slots_.back().xor_ids ^= id;
    } else {
      slots_.push_back({slot, id});
    }
  }
  // Marks the end of one atomic delta (one processed batch).
  void end_delta() { ++deltas_; }
  // Records a front's promise; it is sent after every XOR added before it.
  void report(FrontId front, Timestamp next_ts) { reports_[front] = next_ts; }

  bool empty() const { return slots_.empty() && reports_.empty(); }
  bool full() const { return deltas_ >= max_deltas_; }

  // Returns the aggregate (slots that XORed to zero are left out) and starts a new one.
  AckDelta take();

 private:
  Timestamp slot_width_;
  std::size_t max_deltas_;
  std::size_t deltas_ = 0;
  std::vector<AckDelta::Slot> slots_;  // unsorted, a slot possibly several times
  std::map<FrontId, Timestamp> reports_;
};

}  // namespace flamestream
