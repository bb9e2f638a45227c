#include "acker/ack_table.h"

#include <algorithm>

#include "model/errors.h"

namespace flamestream {

AckTable::AckTable(const std::vector<FrontId>& fronts, Timestamp slot_width)
    : slot_width_(slot_width) {
  check_invariant(slot_width > 0, "an ack table slot must hold at least one timestamp");
  for (FrontId f : fronts) reports_[f] = 0;
}

bool AckTable::apply(const AckDelta& delta) {
  // A delta's slots ascend, so each one is inserted right before where the last one ended.
  auto next = slots_.begin();
  for (const AckDelta::Slot& s : delta.slots) {
    auto it = slots_.try_emplace(next, slot_of(s.slot_ts), 0);
    it->second ^= s.xor_ids;
    next = it->second == 0 ? slots_.erase(it) : std::next(it);
  }
  for (const FrontReport& r : delta.reports) {
    auto it = reports_.find(r.front);
    check_invariant(it != reports_.end(), "a report came from a front the ack table does not know");
    if (r.next_ts < it->second) {
      ++regressions_;
      continue;
    }
    it->second = r.next_ts;
  }
  // A report is rounded down to its slot: a slot is done only when every timestamp in it is.
  Timestamp t = kInfinity;
  for (const auto& [front, next_ts] : reports_)
    t = std::min(t, next_ts == kInfinity ? kInfinity : slot_of(next_ts));
  if (!slots_.empty()) t = std::min(t, slots_.begin()->first);
  if (t < min_time_) ++regressions_;
  if (t <= min_time_) return false;
  min_time_ = t;
  return true;
}

}  // namespace flamestream
