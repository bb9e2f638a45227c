// Grouping (paper §2.2, §3.1): the only stateful operation, with optimistic replay and invalidation.
//
// Per key, a bucket holds the items seen so far ordered by meta. Every item in a bucket has emitted
// exactly one live window: the tuple of the last ≤ w items of the bucket ending at it. Invariant kept
// after every call: each entry's live window equals the window the current bucket gives it. An item
// that lands inside a bucket shifts the windows of the w−1 entries after it, so each of those is
// cancelled by a tombstone and re-emitted under a new version (replay). A tombstone removes its entry,
// cancels that entry's window and replays the entries after it. Entries below the minimal time are
// final (nothing can land before them or cancel them), so a bucket keeps only the last w−1 of them,
// the context later windows need; a key left with one final item keeps only its payload and global
// time (GroupingSlot), which is most keys of a large vocabulary.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "model/bucket.h"
#include "model/grouping_slot.h"
#include "model/operation.h"
#include "model/slot_table.h"

namespace flamestream {

class GroupingState {
 public:
  struct Stats {
    std::uint64_t windows = 0;     // windows emitted, replays included
    std::uint64_t replays = 0;     // windows re-emitted because an item landed or left before them
    std::uint64_t tombstones = 0;  // windows cancelled
  };

  // Keeps a pointer to `op`, which must outlive the state (it lives in the graph).
  explicit GroupingState(const GroupingOp& op) : op_(&op) {}

  // Handles one item or tombstone; appends windows and tombstones to `out` (port 0).
  void on_item(const Item& in, std::vector<Output>& out) { on_item(Item(in), out); }
  // The same, consuming `in`: the bucket keeps the item itself instead of a copy.
  void on_item(Item&& in, std::vector<Output>& out) { on_item(std::move(in), key_hash(in.payload), out); }
  // The same with the item's key hash (key_hash()) already known, e.g. from routing.
  void on_item(Item&& in, std::uint64_t key_hash, std::vector<Output>& out);

  // The hash of the grouping key of `payload`: what on_item and the partitioning use.
  std::uint64_t key_hash(const Value& payload) const { return op_->key_hash(payload); }

  // Prefetching for a caller that knows which keys come next (the items of a page): on_item reads
  // four cold lines, each found through the one before (the table cell, the slot, the bucket's
  // newest entry, that entry's tuple), so their misses follow one another. Each stage fetches one
  // of them, reading what the stage before fetched: run the stages in order, an item or more
  // apart, and the misses of consecutive items overlap. Reads only; any hash is fine.
  enum class PrefetchStage { cell, slot, newest_entry, newest_payload };
  void prefetch(std::uint64_t key_hash, PrefetchStage stage) const;

  // Every item with a timestamp below `min_ts` is final: trims the buckets whose entries it passed.
  void on_min_time(Timestamp min_ts);

  // The part of the state a tick ending at `end` commits: per key, the last w−1 items with a
  // timestamp below `end` — all that any later window can need (paper §3.6.1). Valid once the
  // minimal time has passed `end`. Ordered by key hash, then global time, so equal states
  // serialize equal.
  // Each item is its payload and global time, with an empty trace: a final item's trace matters to
  // nothing (restored, it is only ever compared with later items), and a quiet key no longer
  // keeps it (GroupingSlot), so a commit's items are the same whatever the keys' forms were.
  std::vector<Item> committed(Timestamp end) const;
  // The same items, valid until the state next changes or the next call: built in a buffer this
  // state keeps and reuses.
  std::vector<const Item*> committed_items(Timestamp end) const;
  // The same items taken a part at a time while items go on arriving: a commit's walk over every
  // key at once stalled the worker 15-30 ms a tick. begin_snapshot(end), once the minimal time has
  // passed `end` and before this state hears of it (on_min_time), pins `end`: until the snapshot is
  // done, trims keep each bucket's last w−1 entries below `end` — nothing else can change them
  // once no item below `end` can arrive — and no slot is freed. Each snapshot_step appends the
  // items of up to `max_slots` more buckets, in committed_items' order, valid until the state next
  // changes or the next call (built in a buffer of their own: a caller taking a large state in
  // parts keeps max_slots small), and returns true once every bucket is done (the pin is released
  // then).
  void begin_snapshot(Timestamp end);
  bool snapshot_step(std::size_t max_slots, std::vector<const Item*>& out);
  bool snapshot_under_way() const { return snapshot_.end != 0; }
  // Replaces the whole state by a committed one; replay resumes at `end` on top of it.
  void restore(const std::vector<Item>& items, Timestamp end);

  const Stats& stats() const { return stats_; }
  std::size_t key_count() const;  // keys holding at least one entry
  std::size_t entry_count() const;

 private:
  using Entry = GroupingEntry;
  using Slot = GroupingSlot;
  using Bucket = GroupingSlot::Bucket;

  // The slot of the key `key` (whose hash is `hash`), or null.
  Slot* find_slot(const Value& key, std::uint64_t hash) const;
  // A new, empty bucket for a key of hash `hash`, stored in the table.
  Slot& new_slot(std::uint64_t hash);
  void insert(Bucket& bucket, Item&& in, std::vector<Output>& out);
  void cancel(Bucket& bucket, const Item& tombstone, std::vector<Output>& out);
  // Appends the window of the last ≤ w entries ending at `end`, built in place in `out`: a
  // window built apart and pushed cost a move of the whole item.
  void emit_window(const Bucket& bucket, std::size_t end, bool tombstone, std::vector<Output>& out) const;
  // Re-emits the windows of entries [from, to) under new versions.
  void replay(Bucket& bucket, std::size_t from, std::size_t to, std::vector<Output>& out);
  void cancel_windows(const Bucket& bucket, std::size_t from, std::size_t to,
                      std::vector<Output>& out);
  // Drops the final entries of `bucket` but the last w−1 (and, while a snapshot is under way, the
  // last w−1 below its end); returns the timestamp of its first entry the minimal time has not
  // passed, kInfinity when there is none.
  Timestamp trim(Bucket& bucket) const;
  // An empty bucket with room for a key's working set: a spare one if there is, else a new one.
  Bucket take_bucket();
  // Quiets `slot` down (its one entry is final) and keeps its emptied bucket as a spare.
  void quiet_down(Slot& slot);
  // Frees a slot left without entries, or, while a snapshot is under way, keeps it for later.
  void erase_slot(Slot* slot);
  // Every slot with its hash, in the order committed_items lists them (by hash, then the global
  // time of its first item).
  std::vector<std::pair<std::uint64_t, const Slot*>> snapshot_order() const;
  // Appends the last w−1 items of `slot` below `end`, as committed: payload and global time.
  void append_committed(const Slot& slot, Timestamp end, std::vector<Item>& out) const;
  void end_snapshot();
  // Starts fetching the tuples of the entries a trim of `bucket` would drop first.
  static void prefetch_front_payloads(const Bucket& bucket);

  const GroupingOp* op_;
  SlotTable<Slot> slots_;
  // The slots holding entries the minimal time has not passed, each named once, with the
  // timestamp of its first such entry, in about arrival order. A bucket is trimmed whenever an item
  // enters it (it is in the caches then), and by on_min_time once the minimal time passes its
  // record, which is what bounds a key that went quiet; a slot still holding live entries then is
  // queued again. Visits come once per slot and advance, not once per entry (a record per entry
  // visited a hot key at every item; a sweep over every key at every advance grew with the lag).
  // The order is loose: a re-queued slot and small disorder between channels wait behind the
  // records in front of them, which only delays a trim. Slots never move; a slot stays in the
  // table while it is queued (Slot::queued()).
  std::deque<std::pair<Timestamp, Slot*>> trim_queue_;
  // Emptied buckets of keys that went quiet, for keys that wake or are new. Bounded (see
  // quiet_down), so what it holds is a few hundred kilobytes whatever the vocabulary.
  std::vector<Bucket> spare_buckets_;
  Timestamp min_ts_ = 0;
  struct Snapshot {
    Timestamp end = 0;  // 0: none under way
    std::vector<std::pair<std::uint64_t, const Slot*>> order;
    std::size_t next = 0;         // into order
    std::vector<Slot*> unerased;  // left empty while pinned (may repeat): freed at the end
  };
  Snapshot snapshot_;
  mutable std::vector<Item> committed_buffer_;  // what committed_items points into
  std::vector<Item> snapshot_buffer_;           // what snapshot_step points into
  Stats stats_;
};

}  // namespace flamestream
