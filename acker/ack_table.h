// The ack table and the minimal time (paper §3.4, Storm's XOR acker).
//
// Every item hop has a random 64-bit id, XORed into the slot of its timestamp once when sent and
// once when processed: a slot is zero exactly when all its items are done (up to a 2^-64 chance).
// Minimal time = min(first timestamp of the lowest non-zero slot, lowest front report); every item
// with a timestamp below it is finished and no such item can appear again. It never moves backward.
#pragma once

#include <map>
#include <vector>

#include "acker/ack_delta.h"

namespace flamestream {

class AckTable {
 public:
  // `fronts`: every front of the tick; until a front reports, the minimal time stays at zero.
  // `slot_width`: how many timestamps share one slot (memory and traffic against latency).
  AckTable(const std::vector<FrontId>& fronts, Timestamp slot_width);

  Timestamp slot_of(Timestamp ts) const { return ts - ts % slot_width_; }

  // Applies a whole delta, then recomputes the minimal time; returns true if it advanced.
  bool apply(const AckDelta& delta);

  Timestamp min_time() const { return min_time_; }
  std::size_t live_slots() const { return slots_.size(); }
  // Updates that would have moved the minimal time backward: a front broke its promise, or an item
  // was registered below the minimal time. Zero unless a caller is wrong.
  std::uint64_t regressions() const { return regressions_; }

 private:
  Timestamp slot_width_;
  std::map<Timestamp, std::uint64_t> slots_;  // only non-zero slots are kept
  std::map<FrontId, Timestamp> reports_;
  Timestamp min_time_ = 0;
  std::uint64_t regressions_ = 0;
};

}  // namespace flamestream
