#include "model/grouping.h"

#include <algorithm>
#include <memory>

#include "model/errors.h"
#include "model/hash_sort.h"

namespace flamestream {

namespace {

template <class Bucket>
auto position(Bucket& bucket, const Meta& meta) {
  return std::lower_bound(bucket.begin(), bucket.end(), meta,
                          [](const auto& e, const Meta& m) { return e.item.meta < m; });
}

}  // namespace

void GroupingState::on_item(Item&& in, std::uint64_t hash, std::vector<Output>& out) {
  check_invariant(in.meta.time.ts >= min_ts_,
                  "an item below the minimal time reached a grouping: the acker released too early");
  Slot* slot = op_->key_part ? find_slot(op_->key_part(in.payload), hash) : find_slot(op_->key(in.payload), hash);
  if (!slot) slot = &new_slot(hash);
  Bucket& bucket = slot->quiet() ? slot->wake(take_bucket()) : slot->bucket();
  if (in.tombstone) {
    cancel(bucket, in, out);
    if (bucket.empty() && !slot->queued()) erase_slot(slot);
    return;
  }
  trim(bucket);  // the bucket is in the caches now: the cheapest moment to trim it
  if (!slot->queued()) {
    trim_queue_.emplace_back(in.meta.time.ts, slot);
    slot->set_queued(true);
  }
  insert(bucket, std::move(in), out);
}

void GroupingState::prefetch(std::uint64_t key_hash, PrefetchStage stage) const {
  if (stage == PrefetchStage::cell) return slots_.prefetch(key_hash);
  // The first slot stored under the hash: another key's only when two keys share all 64 bits.
  const Slot* slot = slots_.find(key_hash, [](const Slot&) { return true; });
  if (slot == nullptr) return;
  if (stage == PrefetchStage::slot) return __builtin_prefetch(slot);
  if (slot->quiet()) {
    // Its one item lies in the slot itself: only its payload is left to fetch.
    if (stage == PrefetchStage::newest_entry) slot->final_payload().prefetch();
    return;
  }
  if (slot->bucket().empty()) return;
  const Entry& newest = slot->bucket().back();
  if (stage == PrefetchStage::newest_entry) {
    __builtin_prefetch(&newest.item.payload);    // what its window copies
    __builtin_prefetch(&newest.item.meta.time);  // what the order check compares
    return;
  }
  newest.item.payload.prefetch();
}

GroupingState::Slot* GroupingState::find_slot(const Value& key, std::uint64_t hash) const {
  // A slot's key is its items': computed again only when the whole 64-bit hash matches. An empty
  // slot holds no key (it waits to be freed), and a new bucket of its key goes elsewhere.
  return slots_.find(hash, [&](const Slot& s) {
    if (s.empty()) return false;
    return op_->key_part ? op_->key_part(s.first_payload()) == key : op_->key(s.first_payload()) == key;
  });
}

GroupingState::Slot& GroupingState::new_slot(std::uint64_t hash) {
  return slots_.insert(hash, std::make_unique<Slot>(hash, take_bucket()));
}

namespace {
// Spare buckets a grouping keeps at most: enough for the keys that go quiet between two advances
// of the minimal time to wake again without the allocator. Keys quiet down in bursts (a trim after
// each advance): with 1 024, word count (1 M words over 100 k, one worker) still reserved 237 k new
// buckets and regrew 105 k; with 16 384, 32–35 k new ones. At ~600 bytes each for window 2 (1.2 KiB
// for one regrown once) they are memory no key holds: with the tuple pool's lists (value.cpp),
// 16 384 spares cost 16 bytes a key at 1 M keys and 4 096 cost 9, for most of the instructions
// saved (experiments/results/memory_per_key.md, "Round 4").
constexpr std::size_t kMaxSpareBuckets = 4096;
}  // namespace

GroupingState::Bucket GroupingState::take_bucket() {
  if (!spare_buckets_.empty()) {
    Bucket bucket = std::move(spare_buckets_.back());
    spare_buckets_.pop_back();
    return bucket;
  }
  // Room for the w−1 final entries a bucket keeps, an item and the echo a cycle brings back (word
  // count's steady state) without regrowth, and no more: memory is per live key.
  Bucket bucket;
  bucket.reserve(op_->window + 1);
  return bucket;
}

void GroupingState::quiet_down(Slot& slot) {
  Bucket emptied = slot.quiet_down();
  // Only a bucket of about a key's working set is kept: one grown by a hot key's backlog is given
  // back, one shrunk while quiet would have to grow again.
  const std::size_t room = op_->window + 1;
  if (spare_buckets_.size() < kMaxSpareBuckets && emptied.capacity() >= room && emptied.capacity() <= 2 * room)
    spare_buckets_.push_back(std::move(emptied));
}

void GroupingState::insert(Bucket& bucket, Item&& in, std::vector<Output>& out) {
  // Items almost always arrive in meta order: check the tail before searching.
  const std::size_t p = bucket.empty() || bucket.back().item.meta < in.meta
                            ? bucket.size()
                            : static_cast<std::size_t>(position(bucket, in.meta) - bucket.begin());
  check_invariant(p == bucket.size() || bucket[p].item.meta != in.meta,
                  "two live items with one meta reached a grouping");
  const std::size_t shifted_end = std::min(bucket.size(), p + op_->window - 1);
  cancel_windows(bucket, p, shifted_end, out);
  in.tombstone = false;
  bucket.make_room(op_->window + 1);
  if (p == bucket.size()) {
    bucket.emplace_back(std::move(in), 1u);  // the common case: items arrive in meta order
  } else {
    bucket.insert(bucket.begin() + static_cast<std::ptrdiff_t>(p), Entry{std::move(in), 1});
  }
  emit_window(bucket, p, false, out);
  ++stats_.windows;
  replay(bucket, p + 1, shifted_end + 1, out);
}

void GroupingState::cancel(Bucket& bucket, const Item& tombstone, std::vector<Output>& out) {
  const auto it = position(bucket, tombstone.meta);
  check_invariant(it != bucket.end() && it->item.meta == tombstone.meta,
                  "a tombstone reached a grouping before the item it cancels (a channel is not FIFO)");
  check_invariant(it->item.payload == tombstone.payload,
                  "a tombstone's payload differs from the item it cancels (a function is not "
                  "deterministic)");
  const auto p = static_cast<std::size_t>(it - bucket.begin());
  const std::size_t affected_end = std::min(bucket.size(), p + op_->window);
  cancel_windows(bucket, p, affected_end, out);
  bucket.erase(it);
  replay(bucket, p, affected_end - 1, out);
}

void GroupingState::cancel_windows(const Bucket& bucket, std::size_t from, std::size_t to,
                                   std::vector<Output>& out) {
  for (std::size_t j = from; j < to; ++j) {
    emit_window(bucket, j, true, out);
    ++stats_.tombstones;
  }
}

void GroupingState::replay(Bucket& bucket, std::size_t from, std::size_t to,
                           std::vector<Output>& out) {
  for (std::size_t j = from; j < to; ++j) {
    ++bucket[j].version;
    emit_window(bucket, j, false, out);
    ++stats_.windows;
    ++stats_.replays;
  }
}

void GroupingState::emit_window(const Bucket& bucket, std::size_t end, bool tombstone,
                                std::vector<Output>& out) const {
  const std::size_t begin = end + 1 >= op_->window ? end + 1 - op_->window : 0;
  Value::TupleBuilder tuple(end + 1 - begin);
  for (std::size_t i = begin; i <= end; ++i) tuple.add(bucket[i].item.payload);
  const Entry& last = bucket[end];
  Item& window = out.emplace_back().item;  // port 0
  window.payload = tuple.build();
  window.meta.time = last.item.meta.time;
  window.meta.trace = last.item.meta.trace;
  window.meta.trace.push_back({last.version, 0});
  window.tombstone = tombstone;
}

void GroupingState::on_min_time(Timestamp min_ts) {
  if (min_ts <= min_ts_) return;
  min_ts_ = min_ts;
  // The slots to trim were touched a while ago and are mostly out of the caches, and so are the
  // tuples a trim drops (dropping one writes its reference count): fetch them a few records ahead,
  // the slot, then its entries, then their payloads, so the misses overlap instead of following
  // one another.
  constexpr std::size_t kAhead = 12;
  const auto due = [&](std::size_t i) {
    return i < trim_queue_.size() && trim_queue_[i].first < min_ts_;
  };
  for (std::size_t i = 0; i < kAhead && due(i); ++i) __builtin_prefetch(trim_queue_[i].second);
  while (due(0)) {
    if (due(kAhead)) __builtin_prefetch(trim_queue_[kAhead].second);
    // A queued slot is never quiet.
    if (due(kAhead / 2)) __builtin_prefetch(trim_queue_[kAhead / 2].second->bucket().data());
    if (due(kAhead / 4)) prefetch_front_payloads(trim_queue_[kAhead / 4].second->bucket());
    Slot* slot = trim_queue_.front().second;
    trim_queue_.pop_front();
    Bucket& bucket = slot->bucket();
    const Timestamp first_live = trim(bucket);
    if (first_live != kInfinity) {
      trim_queue_.emplace_back(first_live, slot);  // to be trimmed again once those are final
    } else {
      slot->set_queued(false);
      // Every entry is final: the key went quiet, and keeps only its last w−1 items until its
      // next one comes. Most keys of a large vocabulary are in that state most of the time: one
      // item is kept in the slot itself, more in a bucket without spare room.
      if (bucket.empty()) {
        erase_slot(slot);
      } else if (bucket.size() == 1) {
        quiet_down(*slot);
      } else {
        bucket.shrink_to_fit();
      }
    }
  }
}

void GroupingState::prefetch_front_payloads(const Bucket& bucket) {
  const std::size_t n = std::min<std::size_t>(bucket.size(), 2);
  for (std::size_t i = 0; i < n; ++i) bucket[i].item.payload.prefetch();
}

Timestamp GroupingState::trim(Bucket& bucket) const {
  const auto ts_at_least = [](Timestamp t) { return [t](const Entry& e) { return e.item.meta.time.ts >= t; }; };
  const auto first_live = std::find_if(bucket.begin(), bucket.end(), ts_at_least(min_ts_));
  const Timestamp first_live_ts = first_live == bucket.end() ? kInfinity : first_live->item.meta.time.ts;
  const auto final_count = static_cast<std::size_t>(first_live - bucket.begin());
  const std::size_t keep = op_->window - 1;
  std::size_t drop = final_count > keep ? final_count - keep : 0;
  if (drop > 0 && snapshot_.end != 0) {
    // The snapshot under way has yet to read this bucket's last w−1 entries below its end: those
    // stay, and the final ones between them and the last w−1 go.
    const auto below = static_cast<std::size_t>(
        std::find_if(bucket.begin(), first_live, ts_at_least(snapshot_.end)) - bucket.begin());
    const std::size_t between_end = final_count - keep;
    if (between_end > below)
      bucket.erase(bucket.begin() + static_cast<std::ptrdiff_t>(below),
                   bucket.begin() + static_cast<std::ptrdiff_t>(between_end));
    drop = below > keep ? below - keep : 0;
  }
  if (drop > 0) bucket.drop_front(drop);
  return first_live_ts;
}

void GroupingState::erase_slot(Slot* slot) {
  if (snapshot_.end != 0) return snapshot_.unerased.push_back(slot);  // the snapshot may visit it
  slots_.erase(slot, slot->hash);
}

std::vector<Item> GroupingState::committed(Timestamp end) const {
  std::vector<Item> items;
  for (const auto& [hash, slot] : snapshot_order()) append_committed(*slot, end, items);
  return items;
}

std::vector<const Item*> GroupingState::committed_items(Timestamp end) const {
  committed_buffer_ = committed(end);
  std::vector<const Item*> items;
  items.reserve(committed_buffer_.size());
  for (const Item& item : committed_buffer_) items.push_back(&item);
  return items;
}

std::vector<std::pair<std::uint64_t, const GroupingState::Slot*>> GroupingState::snapshot_order() const {
  std::vector<std::pair<std::uint64_t, const Slot*>> order;
  order.reserve(slots_.size());
  slots_.for_each_pointer([&](std::uint64_t hash, const Slot* slot) { order.emplace_back(hash, slot); });
  // Two keys share a hash almost never: only then are the slots' items compared, and an empty
  // bucket lists nothing, so its place among them does not matter.
  sort_by_hash(order, [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    const Slot& x = *a.second;
    const Slot& y = *b.second;
    if (x.empty() || y.empty()) return x.empty() && !y.empty();
    return x.first_time() < y.first_time();
  });
  return order;
}

void GroupingState::append_committed(const Slot& slot, Timestamp end, std::vector<Item>& out) const {
  if (slot.quiet()) {
    if (slot.final_time().ts < end) out.push_back(Item{slot.final_payload(), Meta{slot.final_time(), {}}, false});
    return;
  }
  const Bucket& bucket = slot.bucket();
  const auto below = static_cast<std::size_t>(
      std::find_if(bucket.begin(), bucket.end(), [&](const Entry& e) { return e.item.meta.time.ts >= end; }) -
      bucket.begin());
  for (std::size_t i = below - std::min(below, op_->window - 1); i < below; ++i)
    out.push_back(Item{bucket[i].item.payload, Meta{bucket[i].item.meta.time, {}}, false});
}

void GroupingState::begin_snapshot(Timestamp end) {
  check_invariant(snapshot_.end == 0, "a grouping snapshot began while another was under way");
  check_invariant(end > 0, "a grouping snapshot of tick end 0");
  snapshot_.end = end;
  snapshot_.order = snapshot_order();
  snapshot_.next = 0;
}

bool GroupingState::snapshot_step(std::size_t max_slots, std::vector<const Item*>& out) {
  if (snapshot_.end == 0) return true;
  const auto& order = snapshot_.order;
  const std::size_t stop = snapshot_.next + std::min(max_slots, order.size() - snapshot_.next);
  // The slots lie all over the heap, their entries elsewhere: fetch both a few slots ahead.
  constexpr std::size_t kAhead = 8;
  snapshot_buffer_.clear();
  for (std::size_t i = snapshot_.next; i < stop; ++i) {
    if (i + kAhead < order.size()) __builtin_prefetch(order[i + kAhead].second);
    if (i + kAhead / 2 < order.size()) {
      const Slot& ahead = *order[i + kAhead / 2].second;
      if (!ahead.quiet() && !ahead.bucket().empty()) __builtin_prefetch(ahead.bucket().data());
    }
    append_committed(*order[i].second, snapshot_.end, snapshot_buffer_);
  }
  for (const Item& item : snapshot_buffer_) out.push_back(&item);
  snapshot_.next = stop;
  if (stop < order.size()) return false;
  end_snapshot();
  return true;
}

void GroupingState::end_snapshot() {
  snapshot_.end = 0;
  snapshot_.order.clear();
  snapshot_.next = 0;
  auto& unerased = snapshot_.unerased;
  std::sort(unerased.begin(), unerased.end());
  unerased.erase(std::unique(unerased.begin(), unerased.end()), unerased.end());
  for (Slot* slot : unerased)
    if (slot->empty() && !slot->queued()) slots_.erase(slot, slot->hash);
  unerased.clear();
}

void GroupingState::restore(const std::vector<Item>& items, Timestamp end) {
  check_invariant(snapshot_.end == 0, "a grouping state was restored while a snapshot of it was under way");
  slots_.clear();
  trim_queue_.clear();
  for (const Item& item : items) {
    check_invariant(item.meta.time.ts < end && !item.tombstone,
                    "a committed grouping state holds only live items below its tick end");
    const Value key = op_->key(item.payload);
    const std::uint64_t hash = key.hash();  // = op_->key_hash(item.payload)
    Slot* slot = find_slot(key, hash);
    if (!slot) slot = &new_slot(hash);
    Bucket& bucket = slot->bucket();
    // Committed items carry no trace (committed()): items of one global time keep their order.
    check_invariant(bucket.empty() || bucket.back().item.meta.time <= item.meta.time,
                    "a committed grouping state lists each bucket in meta order");
    bucket.push_back(Entry{item, 1});
  }
  // Every restored item is final: a key of one item is quiet from the start.
  slots_.for_each([this](std::uint64_t, Slot& slot) {
    if (slot.size() == 1) quiet_down(slot);
  });
  min_ts_ = end;
}

std::size_t GroupingState::key_count() const {
  std::size_t n = 0;
  slots_.for_each([&](std::uint64_t, const Slot& slot) { n += !slot.empty(); });
  return n;
}

std::size_t GroupingState::entry_count() const {
  std::size_t n = 0;
  slots_.for_each([&](std::uint64_t, const Slot& slot) { n += slot.size(); });
  return n;
}

}  // namespace flamestream
