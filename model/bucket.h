// A grouping bucket's entries: a vector in meta order whose final prefix is dropped in O(1),
// amortised.
//
// A grouping trims a bucket at every advance of the minimal time, and the entries it trims are at
// the front. Erasing them from a plain vector shifts every live entry behind them, at every
// advance: a key that receives r items a millisecond while the minimal time lags L milliseconds
// behind holds r·L live entries, so each item was moved about L times per millisecond of advance
// interval — and a lag makes every item dearer, which makes the lag longer. Here the dropped prefix
// is only skipped (`head_`) and is erased once it is at least as long as what is left, so each
// entry is moved at most once for each one dropped. Invariant: the logical contents are
// entries_[head_, size); while any entry is logically there, head_ < entries_.size(), and an empty
// bucket holds nothing (dropped entries still hold their items, so they may not linger).
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace flamestream {

template <class Entry>
class Bucket {
 public:
  using iterator = typename std::vector<Entry>::iterator;
  using const_iterator = typename std::vector<Entry>::const_iterator;

  bool empty() const { return head_ == entries_.size(); }
  std::size_t size() const { return entries_.size() - head_; }
  Entry& operator[](std::size_t i) { return entries_[head_ + i]; }
  const Entry& operator[](std::size_t i) const { return entries_[head_ + i]; }
  Entry& front() { return entries_[head_]; }
  const Entry& front() const { return entries_[head_]; }
  Entry& back() { return entries_.back(); }
  const Entry& back() const { return entries_.back(); }
  iterator begin() { return entries_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() { return entries_.end(); }
  const_iterator begin() const { return entries_.begin() + static_cast<std::ptrdiff_t>(head_); }
  const_iterator end() const { return entries_.end(); }
  // Where the entries start in memory, for prefetching.
  const Entry* data() const { return entries_.data() + head_; }

  void reserve(std::size_t n) { entries_.reserve(n); }
  // Room for one more entry, growing to at least `at_least` entries at once: a bucket shrunk while
  // quiet goes back to its working size in one step when its key comes back.
  void make_room(std::size_t at_least) {
    if (entries_.size() < entries_.capacity()) return;
    entries_.reserve(std::max(at_least, 2 * entries_.capacity()));
  }
  template <class... Args>
  Entry& emplace_back(Args&&... args) {
    return entries_.emplace_back(std::forward<Args>(args)...);
  }
  void push_back(Entry&& entry) { entries_.push_back(std::move(entry)); }
  iterator insert(const_iterator at, Entry&& entry) { return entries_.insert(at, std::move(entry)); }
  void erase(const_iterator at) {
    entries_.erase(at);
    if (empty()) clear();
  }
  void erase(const_iterator first, const_iterator last) {
    entries_.erase(first, last);
    if (empty()) clear();
  }

  // Gives back the memory of dropped entries and of unused capacity: for a bucket that went quiet,
  // whose few final entries would otherwise keep the room of its busiest moment.
  void shrink_to_fit() {
    if (head_ > 0) {
      entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    entries_.shrink_to_fit();
  }
  // Drops every entry, keeping the capacity: a bucket emptied for reuse by another key.
  void clear() {
    entries_.clear();
    head_ = 0;
  }
  std::size_t capacity() const { return entries_.capacity(); }
  // Drops the first n entries (n ≤ size()).
  void drop_front(std::size_t n) {
    head_ += n;
    if (empty()) return clear();
    if (head_ < size()) return;  // not yet worth moving what is left
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }

 private:
  std::vector<Entry> entries_;
  std::size_t head_ = 0;
};

}  // namespace flamestream
