#include "runtime/engine/tick_snapshot.h"

#include <algorithm>

#include "model/errors.h"

namespace flamestream {

void TickSnapshot::begin(WorkerGraph& graph, Timestamp end) {
  check_invariant(!under_way_, "a tick snapshot began before the one under way was finished");
  graph.begin_snapshot(end);
  end_ = end;
  under_way_ = true;
  page_.reset();
}

bool TickSnapshot::step(WorkerGraph& graph, std::size_t max_slots) {
  if (!under_way_) return true;
  // At most kSlotsPerStep buckets at a time, however many are asked for: the groupings build the
  // items of a part in buffers of their own, which would otherwise grow to the whole state.
  for (std::size_t left = max_slots;;) {
    const std::size_t slots = std::min(left, kSlotsPerStep);
    part_.clear();
    const bool done = graph.snapshot_step(slots, part_);
    encoder_.append(part_);  // now: the items stay valid only until the state next changes
    if (done) break;
    left -= slots;
    if (left == 0) return false;
  }
  page_ = encoder_.finish();
  under_way_ = false;
  return true;
}

std::string TickSnapshot::take_page() {
  check_invariant(page_.has_value(), "a commit took a tick snapshot that was not ready");
  std::string page = std::move(*page_);
  page_.reset();
  return page;
}

}  // namespace flamestream
