// The merge of a sink's instances into one stream (DESIGN §6): the one total order a single sink
// would have released.
//
// Every instance releases its own items in meta order, everything below the minimal time it has
// seen. So once an instance has released up to time `ts` (advance()), nothing it releases later
// lies below `ts`, and an item may leave the merge as soon as every other instance either holds a
// later item or has released past the item's time. Items leave in meta order, each exactly once;
// an item whose place is not settled yet waits. No I/O and no threads: engines feed it from where
// their releases are.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "model/burst_buffer.h"
#include "model/meta.h"

namespace flamestream {

// The order of things that carry a meta (MetaOf: T -> const Meta&).
template <class T, class MetaOf>
struct ByMeta {
  MetaOf meta_of{};
  bool before(const T& a, const T& b) const { return meta_of(a) < meta_of(b); }
  Timestamp time(const T& a) const { return meta_of(a).time.ts; }
};

// T: what is merged (an item, a released line with its order key); Order: before(a, b), the
// order every instance releases in, and time(a), the global time's timestamp of `a`.
template <class T, class Order>
class ReleaseMerge {
 public:
  explicit ReleaseMerge(std::size_t instances, Order order = {})
      : order_(order), queues_(instances), released_to_(instances, 0) {}

  std::size_t instances() const { return queues_.size(); }

  // The next item instance `i` released; they come in meta order.
  void push(std::size_t i, T item) { queues_[i].push_back(std::move(item)); }
  // Instance `i` has released every item of it with a time below `ts`.
  void advance(std::size_t i, Timestamp ts) {
    if (ts > released_to_[i]) released_to_[i] = ts;
  }

  // Hands every item whose place in the total order is settled to `emit`, in that order. The
  // instances that hold items sit in a heap by their next item, so an item costs O(log instances)
  // comparisons; the instances that hold none bound how far the merge may go (settled()).
  template <class Emit>
  void drain(Emit&& emit) {
    heap_.clear();
    Timestamp bound = kInfinity;  // what every instance holding nothing has released to
    for (std::size_t i = 0; i < queues_.size(); ++i) {
      if (!queues_[i].empty()) {
        heap_.push_back(i);
      } else if (released_to_[i] < bound) {
        bound = released_to_[i];
      }
    }
    // std::*_heap keep the greatest on top: "greater" is "later in the total order".
    const auto later = [this](std::size_t a, std::size_t b) {
      return order_.before(queues_[b].front(), queues_[a].front());
    };
    std::make_heap(heap_.begin(), heap_.end(), later);
    while (!heap_.empty()) {
      const std::size_t i = heap_.front();
      auto& q = queues_[i];
      if (order_.time(q.front()) >= bound) return;  // a quiet instance may still release before it
      std::pop_heap(heap_.begin(), heap_.end(), later);
      heap_.pop_back();
      emit(q.front());
      q.pop_front();
      if (q.empty()) {
        bound = std::min(bound, released_to_[i]);
      } else {
        heap_.push_back(i);
        std::push_heap(heap_.begin(), heap_.end(), later);
      }
    }
  }

  // Items held, waiting for their place to settle.
  std::size_t held() const {
    std::size_t n = 0;
    for (const auto& q : queues_) n += q.size();
    return n;
  }

 private:
  Order order_;
  // One instance's items in order: a vector read from `head`, not a deque, whose pushes allocated
  // a block every few items on the path every released line takes. The read prefix is dropped
  // when the queue empties, or once it outweighs what is left (each item moved at most once more).
  struct Queue {
    std::vector<T> items;
    std::size_t head = 0;
    bool empty() const { return head == items.size(); }
    std::size_t size() const { return items.size() - head; }
    T& front() { return items[head]; }
    const T& front() const { return items[head]; }
    void push_back(T&& item) {
      if (head > 0 && head >= items.size() / 2 && items.size() == items.capacity()) {
        items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(head));
        head = 0;
      }
      items.push_back(std::move(item));
    }
    void pop_front() {
      if (++head == items.size()) {
        clear_burst(items);  // a long line's burst does not keep its room
        head = 0;
      }
    }
  };

  std::vector<Queue> queues_;
  std::vector<Timestamp> released_to_;
  std::vector<std::size_t> heap_;  // drain()'s: the instances holding items, by their next item
};

}  // namespace flamestream
