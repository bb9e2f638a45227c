#include "acker/delta_aggregator.h"

namespace flamestream {

AckDelta DeltaAggregator::take() {
  AckDelta d;
  d.slots.reserve(slots_.size());
  for (const auto& [slot, xor_ids] : slots_)
    if (xor_ids != 0) d.slots.push_back({slot, xor_ids});
  for (const auto& [front, next_ts] : reports_) d.reports.push_back({front, next_ts});
  slots_.clear();
  reports_.clear();
  deltas_ = 0;
  return d;
}

}  // namespace flamestream
