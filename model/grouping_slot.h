// One key of a grouping: its key, and either its bucket of entries or, once the key went quiet, the
// one final item that bucket held, kept as payload and global time only.
//
// Most keys of a large vocabulary are quiet most of the time: every entry is below the minimal
// time, and the bucket keeps only its last w−1 items as context for the key's next window. Such an
// item can no longer be preceded or cancelled, never emits a window again and is compared only with
// later items, which its global time alone orders before; a window reads only its payload. So its
// trace and window version — most of an entry's 200 bytes — and the bucket's own block are dropped:
// a quiet key of window 2 (word count) is this slot and its payload, nothing else. Invariant: a
// quiet slot holds exactly one item; a slot woken by a new item holds that item again as the first
// entry of a bucket, with an empty trace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "model/bucket.h"
#include "model/item.h"

namespace flamestream {

struct GroupingEntry {
  Item item;
  std::uint32_t version;  // version of the live window ending at this entry
};

// One key's slot. It does not keep the key: the key is that of its items' payloads (the grouping
// computes it again when a lookup's hash matches), so an empty slot belongs to no key and is only
// waiting to be freed. 64 bytes whatever its form.
class GroupingSlot {
 public:
  using Bucket = ::flamestream::Bucket<GroupingEntry>;

  // A slot whose bucket is `bucket` (empty; a spare one keeps its room).
  GroupingSlot(std::uint64_t key_hash, Bucket&& bucket) : hash(key_hash) { new (&bucket_) Bucket(std::move(bucket)); }
  GroupingSlot(const GroupingSlot&) = delete;
  GroupingSlot& operator=(const GroupingSlot&) = delete;
  ~GroupingSlot() {
    if (quiet_) {
      final_payload_.~Value();
    } else {
      bucket_.~Bucket();
    }
  }

  const std::uint64_t hash;  // of the key

  bool quiet() const { return quiet_; }
  bool queued() const { return queued_; }
  void set_queued(bool queued) { queued_ = queued; }
  // The bucket of a slot that is not quiet.
  Bucket& bucket() { return bucket_; }
  const Bucket& bucket() const { return bucket_; }
  // The one item of a quiet slot.
  const Value& final_payload() const { return final_payload_; }
  GlobalTime final_time() const { return {final_ts_, final_front_}; }

  std::size_t size() const { return quiet_ ? 1 : bucket_.size(); }
  bool empty() const { return size() == 0; }
  // The payload and global time of its first item (it must hold one).
  const Value& first_payload() const { return quiet_ ? final_payload_ : bucket_.front().item.payload; }
  GlobalTime first_time() const { return quiet_ ? final_time() : bucket_.front().item.meta.time; }

  // Keeps only the payload and time of the bucket's one entry, which must be final; returns the
  // bucket, emptied, with its room (for another key to reuse: a key wakes far more often than a
  // block of its size is worth asking the allocator for).
  Bucket quiet_down() {
    Item& last = bucket_.front().item;
    Value payload = std::move(last.payload);
    final_ts_ = last.meta.time.ts;
    final_front_ = last.meta.time.front;
    Bucket emptied = std::move(bucket_);
    emptied.clear();
    bucket_.~Bucket();
    new (&final_payload_) Value(std::move(payload));
    quiet_ = true;
    return emptied;
  }
  // Back to a bucket, `spare` (empty), the final item its first entry.
  Bucket& wake(Bucket&& spare) {
    Bucket woken = std::move(spare);
    woken.push_back(GroupingEntry{Item{std::move(final_payload_), Meta{final_time(), {}}, false}, 1});
    final_payload_.~Value();
    new (&bucket_) Bucket(std::move(woken));
    quiet_ = false;
    return bucket_;
  }

 private:
  Timestamp final_ts_ = 0;  // quiet: the final item's global time
  FrontId final_front_ = 0;
  bool queued_ = false;  // named by a record of the grouping's trim queue (never while quiet)
  bool quiet_ = false;
  union {
    Bucket bucket_;
    Value final_payload_;
  };
};

static_assert(sizeof(GroupingSlot) <= 64, "a slot fills one 64-byte block");

}  // namespace flamestream
