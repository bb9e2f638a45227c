// What a worker tells the acker (paper §3.4): XOR deltas per ack-table slot and front reports.
//
// A delta is applied as one unit. "Acked input X, sent outputs Y1..Yn" touches several slots when a
// replay emits windows of later global times; applying only part of it could empty X's slot before
// the outputs' slots are filled and let the minimal time pass live items. Reports ride in the same
// message, after the XORs, so a front's report never overtakes its own registrations.
#pragma once

#include <cstdint>
#include <vector>

#include "model/meta.h"

namespace flamestream {

struct FrontReport {
  FrontId front = 0;
  Timestamp next_ts = 0;  // the front will never assign a timestamp below this again
};

struct AckDelta {
  struct Slot {
    Timestamp slot_ts = 0;  // the first timestamp of the slot
    std::uint64_t xor_ids = 0;
  };
  std::vector<Slot> slots;
  std::vector<FrontReport> reports;

  bool empty() const { return slots.empty() && reports.empty(); }
};

}  // namespace flamestream
