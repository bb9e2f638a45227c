// An open-addressing hash table of heap-allocated slots, found by a 64-bit hash computed once.
//
// What the grouping keeps its buckets in. With 100 k live keys the state is far larger than the
// caches, so a lookup costs what it misses: std::unordered_map reads its bucket array, the node
// before the one it wants and then that node (three dependent misses, after a division by a prime).
// Here a lookup reads one cell and then only the slot whose tag matches. A cell is 8 bytes: the
// slot's address and 16 bits of its hash (a cell per key is a large share of a key's memory when
// most keys are quiet: 16-byte cells cost ~34 bytes a key at a million keys). A slot carries its
// full hash (`hash`), which a lookup checks, and which growing a table of more than 2^16 cells and
// listing the slots read. Slots never move, so pointers to them stay valid until they are erased.
// Invariant: every slot is reachable from its home cell without crossing an empty cell (linear
// probing, backward-shift deletion, no tombstones).
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace flamestream {

template <class Slot>
class SlotTable {
 public:
  SlotTable() = default;
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;
  ~SlotTable() { clear(); }

  // The slot stored under `hash` for which `matches(slot)` holds, or null.
  template <class Matches>
  Slot* find(std::uint64_t hash, Matches&& matches) const {
    if (size_ == 0) return nullptr;
    const std::uint64_t tag = tag_of(hash);
    for (std::size_t i = home(hash);; i = (i + 1) & mask_) {
      const Cell c = cells_[i];
      if (c == 0) return nullptr;
      if ((c >> kTagShift) == tag) {
        Slot* slot = slot_of(c);
        if (slot->hash == hash && matches(*slot)) return slot;
      }
    }
  }

  // Starts fetching the cell a lookup of `hash` reads first.
  void prefetch(std::uint64_t hash) const {
    if (size_ != 0) __builtin_prefetch(&cells_[home(hash)]);
  }

  // Stores `slot`, whose hash is slot->hash (the caller has checked no equal key is stored), and
  // returns it.
  Slot& insert(std::uint64_t hash, std::unique_ptr<Slot> slot) {
    if ((size_ + 1) * 4 > cells_.size() * 3) grow();
    Slot& stored = *slot;
    place(hash, slot.release());
    ++size_;
    return stored;
  }

  // Removes and destroys `slot`, stored under `hash`.
  void erase(const Slot* slot, std::uint64_t hash) {
    std::size_t i = home(hash);
    while (slot_of(cells_[i]) != slot) i = (i + 1) & mask_;
    delete slot_of(cells_[i]);
    cells_[i] = 0;
    --size_;
    // Backward shift: pull later cells of the probe run into the hole when that keeps them
    // reachable from their home cell.
    for (std::size_t j = (i + 1) & mask_; cells_[j] != 0; j = (j + 1) & mask_) {
      const std::size_t distance_from_home = (j - home_of(cells_[j])) & mask_;
      if (distance_from_home >= ((j - i) & mask_)) {
        cells_[i] = cells_[j];
        cells_[j] = 0;
        i = j;
      }
    }
  }

  void clear() {
    for (Cell c : cells_)
      if (c != 0) delete slot_of(c);
    cells_.clear();
    mask_ = 0;
    shift_ = 64;
    size_ = 0;
  }

  std::size_t size() const { return size_; }

  // Calls f(hash, slot pointer) for every slot, in no particular order.
  template <class F>
  void for_each_pointer(F&& f) const {
    for_each([&](std::uint64_t hash, Slot& slot) { f(hash, &slot); });
  }

  // Calls f(hash, slot) for every slot, in no particular order. The slots lie all over the heap:
  // each is fetched a few cells ahead.
  template <class F>
  void for_each(F&& f) const {
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      if (i + kAhead < cells_.size() && cells_[i + kAhead] != 0) __builtin_prefetch(slot_of(cells_[i + kAhead]));
      if (cells_[i] != 0) {
        Slot* slot = slot_of(cells_[i]);
        f(slot->hash, *slot);
      }
    }
  }

 private:
  // A slot's address in the low 48 bits (user-space addresses on the 64-bit targets we build
  // for), the top 16 bits of its mixed hash above them; 0: empty.
  using Cell = std::uint64_t;
  static constexpr unsigned kTagShift = 48;
  static constexpr Cell kAddressMask = (Cell{1} << kTagShift) - 1;
  static constexpr unsigned kTagBits = 64 - kTagShift;

  // Fibonacci hashing: the top bits of hash × 2^64/φ, so hashes differing only in high bits (which
  // partitioning may have fixed on this worker) still spread.
  static std::uint64_t mixed(std::uint64_t hash) { return hash * 0x9E3779B97F4A7C15ull; }
  static std::uint64_t tag_of(std::uint64_t hash) { return mixed(hash) >> kTagShift; }
  static Slot* slot_of(Cell c) { return reinterpret_cast<Slot*>(static_cast<std::uintptr_t>(c & kAddressMask)); }

  std::size_t home(std::uint64_t hash) const { return static_cast<std::size_t>(mixed(hash) >> shift_) & mask_; }
  // The home of a stored cell: from its tag while the table has at most 2^16 cells, else from its
  // slot's hash.
  std::size_t home_of(Cell c) const {
    if (64 - shift_ <= static_cast<int>(kTagBits)) return static_cast<std::size_t>((c >> kTagShift) >> (shift_ - kTagShift)) & mask_;
    return home(slot_of(c)->hash);
  }

  void place(std::uint64_t hash, Slot* slot) {
    const auto address = reinterpret_cast<std::uintptr_t>(slot);
    if ((address & ~kAddressMask) != 0) throw std::logic_error("SlotTable: a slot's address needs more than 48 bits");
    place_cell((tag_of(hash) << kTagShift) | address, home(hash));
  }
  void place_cell(Cell c, std::size_t i) {
    while (cells_[i] != 0) i = (i + 1) & mask_;
    cells_[i] = c;
  }

  void grow() {
    const std::size_t capacity = cells_.empty() ? 16 : cells_.size() * 2;
    std::vector<Cell> old = std::exchange(cells_, std::vector<Cell>(capacity, 0));
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = 0; i < old.size(); ++i) {
      if (i + kAhead < old.size() && old[i + kAhead] != 0 && 64 - shift_ > static_cast<int>(kTagBits))
        __builtin_prefetch(slot_of(old[i + kAhead]));
      if (old[i] != 0) place_cell(old[i], home_of(old[i]));
    }
  }

  std::vector<Cell> cells_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace flamestream
