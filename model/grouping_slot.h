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

// A key with its hash, computed once per item: the table compares hashes before values.
struct GroupingKey {
  Value value;
  std::uint64_t hash;
};

// A final item of a quiet key: all that is left of it.
struct FinalItem {
  Value payload;
  GlobalTime time;
};

class GroupingSlot {
 public:
  using Bucket = ::flamestream::Bucket<GroupingEntry>;

  explicit GroupingSlot(GroupingKey k) : key(std::move(k)) { new (&bucket_) Bucket(); }
  GroupingSlot(const GroupingSlot&) = delete;
  GroupingSlot& operator=(const GroupingSlot&) = delete;
  ~GroupingSlot() {
    if (quiet_) {
      final_.~FinalItem();
    } else {
      bucket_.~Bucket();
    }
  }

  GroupingKey key;
  bool queued = false;  // named by a record of the grouping's trim queue (never while quiet)

  bool quiet() const { return quiet_; }
  // The bucket of a slot that is not quiet.
  Bucket& bucket() { return bucket_; }
  const Bucket& bucket() const { return bucket_; }
  // The one item of a quiet slot.
  const FinalItem& final_item() const { return final_; }

  std::size_t size() const { return quiet_ ? 1 : bucket_.size(); }
  bool empty() const { return size() == 0; }
  GlobalTime first_time() const { return quiet_ ? final_.time : bucket_.front().item.meta.time; }

  // Keeps only the payload and time of the bucket's one entry, which must be final.
  void quiet_down() {
    FinalItem last{std::move(bucket_.front().item.payload), bucket_.front().item.meta.time};
    bucket_.~Bucket();
    new (&final_) FinalItem(std::move(last));
    quiet_ = true;
  }
  // Back to a bucket with room for `room` entries, the final item its first entry.
  Bucket& wake(std::size_t room) {
    Bucket woken;
    woken.reserve(room);
    woken.push_back(GroupingEntry{Item{std::move(final_.payload), Meta{final_.time, {}}, false}, 1});
    final_.~FinalItem();
    new (&bucket_) Bucket(std::move(woken));
    quiet_ = false;
    return bucket_;
  }

 private:
  bool quiet_ = false;
  union {
    Bucket bucket_;
    FinalItem final_;
  };
};

}  // namespace flamestream
