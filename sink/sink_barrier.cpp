#include "sink/sink_barrier.h"

#include "model/errors.h"

namespace flamestream {

void SinkBarrier::on_item(const Item& item) {
  check_invariant(item.meta.time.ts >= min_ts_,
                  "an item below the minimal time reached the sink: it may have been released past");
  if (item.tombstone) {
    auto it = buffer_.find(item.meta);
    check_invariant(it != buffer_.end(),
                    "a tombstone reached the sink before the item it cancels (a channel is not FIFO)");
    check_invariant(it->second == item.payload,
                    "a tombstone's payload differs from the item it cancels");
    buffer_.erase(it);
    ++stats_.cancelled;
    return;
  }
  ++stats_.arrived;
  const bool inserted = buffer_.emplace(item.meta, item.payload).second;
  check_invariant(inserted, "two live items with one meta reached the sink");
  if (buffer_.size() > stats_.peak_buffered) stats_.peak_buffered = buffer_.size();
}

void SinkBarrier::release(Timestamp min_ts, const std::function<void(const Item&)>& emit) {
  if (min_ts <= min_ts_) return;
  min_ts_ = min_ts;
  auto it = buffer_.begin();
  for (; it != buffer_.end() && it->first.time.ts < min_ts; ++it) {
    emit(Item{it->second, it->first, false});
    ++stats_.released;
  }
  buffer_.erase(buffer_.begin(), it);
}

}  // namespace flamestream
