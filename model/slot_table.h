// An open-addressing hash table of heap-allocated slots, found by a 64-bit hash computed once.
//
// What the grouping keeps its buckets in. With 100 k live keys the state is far larger than the
// caches, so a lookup costs what it misses: std::unordered_map reads its bucket array, the node
// before the one it wants and then that node (three dependent misses, after a division by a prime).
// Here a lookup reads one cell (the hash and a pointer, 16 bytes, linear probing from a
// multiplicative hash) and then only the slot whose hash matches. Slots never move, so pointers to
// them stay valid until they are erased. Invariant: every slot is reachable from its home cell
// without crossing an empty cell (linear probing, backward-shift deletion, no tombstones).
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace flamestream {

template <class Slot>
class SlotTable {
 public:
  SlotTable() = default;

  // The slot stored under `hash` for which `matches(slot)` holds, or null.
  template <class Matches>
  Slot* find(std::uint64_t hash, Matches&& matches) const {
    if (size_ == 0) return nullptr;
    for (std::size_t i = home(hash);; i = (i + 1) & mask_) {
      const Cell& c = cells_[i];
      if (!c.slot) return nullptr;
      if (c.hash == hash && matches(*c.slot)) return c.slot.get();
    }
  }

  // Starts fetching the cell a lookup of `hash` reads first.
  void prefetch(std::uint64_t hash) const {
    if (size_ != 0) __builtin_prefetch(&cells_[home(hash)]);
  }

  // Stores `slot` under `hash` (the caller has checked no equal key is stored) and returns it.
  Slot& insert(std::uint64_t hash, std::unique_ptr<Slot> slot) {
    if ((size_ + 1) * 4 > cells_.size() * 3) grow();
    Slot& stored = *slot;
    place(hash, std::move(slot));
    ++size_;
    return stored;
  }

  // Removes and destroys `slot`, stored under `hash`.
  void erase(const Slot* slot, std::uint64_t hash) {
    std::size_t i = home(hash);
    while (cells_[i].slot.get() != slot) i = (i + 1) & mask_;
    cells_[i] = Cell{};
    --size_;
    // Backward shift: pull later cells of the probe run into the hole when that keeps them
    // reachable from their home cell.
    for (std::size_t j = (i + 1) & mask_; cells_[j].slot; j = (j + 1) & mask_) {
      const std::size_t distance_from_home = (j - home(cells_[j].hash)) & mask_;
      if (distance_from_home >= ((j - i) & mask_)) {
        cells_[i] = std::move(cells_[j]);
        i = j;
      }
    }
  }

  void clear() {
    cells_.clear();
    mask_ = 0;
    size_ = 0;
  }

  std::size_t size() const { return size_; }

  // Calls f(hash, slot pointer) for every slot, in no particular order, without reading the
  // slots: for a caller that visits them later.
  template <class F>
  void for_each_pointer(F&& f) const {
    for (const Cell& c : cells_)
      if (c.slot) f(c.hash, c.slot.get());
  }

  // Calls f(hash, slot) for every slot, in no particular order. The slots lie all over the heap:
  // each is fetched a few cells ahead.
  template <class F>
  void for_each(F&& f) const {
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      if (i + kAhead < cells_.size() && cells_[i + kAhead].slot) __builtin_prefetch(cells_[i + kAhead].slot.get());
      if (cells_[i].slot) f(cells_[i].hash, *cells_[i].slot);
    }
  }

 private:
  struct Cell {
    std::uint64_t hash = 0;
    std::unique_ptr<Slot> slot;  // null: empty
  };

  // Fibonacci hashing: the top bits of hash × 2^64/φ, so hashes differing only in high bits (which
  // partitioning may have fixed on this worker) still spread.
  std::size_t home(std::uint64_t hash) const {
    return static_cast<std::size_t>((hash * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
  }

  void place(std::uint64_t hash, std::unique_ptr<Slot> slot) {
    std::size_t i = home(hash);
    while (cells_[i].slot) i = (i + 1) & mask_;
    cells_[i] = Cell{hash, std::move(slot)};
  }

  void grow() {
    const std::size_t capacity = cells_.empty() ? 16 : cells_.size() * 2;
    std::vector<Cell> old = std::exchange(cells_, std::vector<Cell>(capacity));
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (Cell& c : old)
      if (c.slot) place(c.hash, std::move(c.slot));
  }

  std::vector<Cell> cells_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace flamestream
