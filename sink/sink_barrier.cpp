#include "sink/sink_barrier.h"

#include <algorithm>

#include "model/errors.h"

namespace flamestream {

namespace {

// The first buffered item whose meta is not below `meta`.
std::vector<Item>::iterator position(std::vector<Item>& buffer, std::size_t head, const Meta& meta) {
  return std::lower_bound(buffer.begin() + static_cast<std::ptrdiff_t>(head), buffer.end(), meta,
                          [](const Item& e, const Meta& m) { return e.meta < m; });
}

}  // namespace

void SinkBarrier::on_item(Item&& item) {
  check_invariant(item.meta.time.ts >= min_ts_,
                  "an item below the minimal time reached the sink: it may have been released past");
  if (item.tombstone) {
    const auto it = position(buffer_, head_, item.meta);
    check_invariant(it != buffer_.end() && it->meta == item.meta,
                    "a tombstone reached the sink before the item it cancels (a channel is not FIFO)");
    check_invariant(it->payload == item.payload,
                    "a tombstone's payload differs from the item it cancels");
    buffer_.erase(it);
    ++stats_.cancelled;
    return;
  }
  ++stats_.arrived;
  if (buffer_.size() == head_ || buffer_.back().meta < item.meta) {
    buffer_.push_back(std::move(item));  // the common case: arrivals come nearly in meta order
  } else {
    const auto it = position(buffer_, head_, item.meta);
    check_invariant(it == buffer_.end() || it->meta != item.meta,
                    "two live items with one meta reached the sink");
    buffer_.insert(it, std::move(item));
  }
  stats_.peak_buffered = std::max(stats_.peak_buffered, buffered());
}

void SinkBarrier::release(Timestamp min_ts, const std::function<void(const Item&)>& emit) {
  if (min_ts <= min_ts_) return;
  min_ts_ = min_ts;
  std::size_t i = head_;
  for (; i < buffer_.size() && buffer_[i].meta.time.ts < min_ts; ++i) {
    emit(buffer_[i]);
    ++stats_.released;
  }
  head_ = i;
  // Drop the released prefix when it is everything, or once it outweighs what is still buffered
  // (amortised: each item is moved at most once per halving).
  if (head_ == buffer_.size()) {
    buffer_.clear();
    head_ = 0;
  } else if (head_ >= 64 && 2 * head_ >= buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

}  // namespace flamestream
