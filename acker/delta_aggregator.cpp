#include "acker/delta_aggregator.h"

#include <algorithm>

namespace flamestream {

AckDelta DeltaAggregator::take() {
  AckDelta d;
  std::sort(slots_.begin(), slots_.end(),
            [](const AckDelta::Slot& a, const AckDelta::Slot& b) { return a.slot_ts < b.slot_ts; });
  for (std::size_t i = 0; i < slots_.size();) {
    AckDelta::Slot folded = slots_[i];
    for (++i; i < slots_.size() && slots_[i].slot_ts == folded.slot_ts; ++i) folded.xor_ids ^= slots_[i].xor_ids;
    if (folded.xor_ids != 0) d.slots.push_back(folded);
  }
  for (const auto& [front, next_ts] : reports_) d.reports.push_back({front, next_ts});
  slots_.clear();
  reports_.clear();
  deltas_ = 0;
  return d;
}

}  // namespace flamestream
