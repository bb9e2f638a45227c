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

#include <cstddef>
#include <deque>
#include <vector>

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

  // Hands every item whose place in the total order is settled to `emit`, in that order.
  template <class Emit>
  void drain(Emit&& emit) {
    for (;;) {
      const std::size_t i = lowest_head();
      if (i == queues_.size() || !settled(i)) return;
      emit(queues_[i].front());
      queues_[i].pop_front();
    }
  }

  // Items held, waiting for their place to settle.
  std::size_t held() const {
    std::size_t n = 0;
    for (const auto& q : queues_) n += q.size();
    return n;
  }

 private:
  // The instance whose next item is the lowest, or instances() when none holds one.
  std::size_t lowest_head() const {
    std::size_t best = queues_.size();
    for (std::size_t i = 0; i < queues_.size(); ++i) {
      if (queues_[i].empty()) continue;
      if (best == queues_.size() || order_.before(queues_[i].front(), queues_[best].front())) best = i;
    }
    return best;
  }
  // Instance i's head is the lowest item held: it may go once no instance holding nothing could
  // still release an item before it.
  bool settled(std::size_t i) const {
    const Timestamp ts = order_.time(queues_[i].front());
    for (std::size_t j = 0; j < queues_.size(); ++j)
      if (j != i && queues_[j].empty() && released_to_[j] <= ts) return false;
    return true;
  }

  Order order_;
  std::vector<std::deque<T>> queues_;
  std::vector<Timestamp> released_to_;
};

}  // namespace flamestream
