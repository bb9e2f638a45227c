// The trace of local times an item carries (paper §2.1), with its first entries stored inline.
//
// Every operation appends one local time and most items are copied at every hop, so a trace that
// lived on the heap cost an allocation per hop. Word count's deepest item has eleven entries; up to
// kInline entries never touch the heap, longer traces (long chains, many trips around a cycle)
// spill to it transparently. Compares lexicographically, like the vector it replaces.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>

namespace flamestream {

struct LocalTime {
  std::uint32_t logical = 0;
  std::uint32_t child = 0;
  friend auto operator<=>(const LocalTime&, const LocalTime&) = default;
};

class Trace {
 public:
  static constexpr std::uint32_t kInline = 14;

  Trace() = default;
  explicit Trace(std::size_t n, LocalTime value = {}) {
    reserve(n);
    std::fill_n(data(), n, value);
    size_ = static_cast<std::uint32_t>(n);
  }
  Trace(std::initializer_list<LocalTime> values) { assign(values.begin(), values.size()); }
  Trace(const Trace& other) {
    if (other.heap_) {
      assign(other.data(), other.size_);
    } else {
      copy_inline(other);
      size_ = other.size_;
    }
  }
  Trace(Trace&& other) noexcept { take(other); }
  Trace& operator=(const Trace& other) {
    if (this == &other) return *this;
    if (!heap_ && !other.heap_) {
      copy_inline(other);
      size_ = other.size_;
    } else {
      size_ = 0;
      assign(other.data(), other.size_);
    }
    return *this;
  }
  Trace& operator=(Trace&& other) noexcept {
    if (this != &other) {
      heap_.reset();
      take(other);
    }
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const LocalTime* data() const { return heap_ ? heap_.get() : reinterpret_cast<const LocalTime*>(inline_); }
  LocalTime* data() { return heap_ ? heap_.get() : reinterpret_cast<LocalTime*>(inline_); }
  const LocalTime* begin() const { return data(); }
  const LocalTime* end() const { return data() + size_; }
  const LocalTime& operator[](std::size_t i) const { return data()[i]; }
  LocalTime& operator[](std::size_t i) { return data()[i]; }

  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    auto bigger = std::make_unique<LocalTime[]>(n);
    std::copy_n(data(), size_, bigger.get());
    heap_ = std::move(bigger);
    capacity_ = static_cast<std::uint32_t>(n);
  }
  void push_back(LocalTime t) {
    if (size_ == capacity_) reserve(std::size_t{capacity_} * 2);
    data()[size_++] = t;
  }

  friend bool operator==(const Trace& a, const Trace& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend std::strong_ordering operator<=>(const Trace& a, const Trace& b) {
    return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  void assign(const LocalTime* values, std::size_t n) {
    reserve(n);
    std::copy_n(values, n, data());
    size_ = static_cast<std::uint32_t>(n);
  }
  void take(Trace& other) {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.heap_) {
      heap_ = std::move(other.heap_);
    } else {
      copy_inline(other);
    }
    other.size_ = 0;
    other.capacity_ = kInline;
  }

  // The inline room, copied whole: a fixed-size copy is a few vector moves, where copying just
  // the entries in use called memcpy (an item's trace is copied or moved ~ten times a word). Raw
  // bytes, so that a new trace does not zero the room either.
  // Entries past the other's size are copied uninitialised and never read: GCC cannot see that.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  void copy_inline(const Trace& other) { std::memcpy(inline_, other.inline_, sizeof inline_); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  alignas(LocalTime) unsigned char inline_[kInline * sizeof(LocalTime)];
  std::unique_ptr<LocalTime[]> heap_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInline;
};

}  // namespace flamestream
