// Grouping's committed state: what a tick commits per key (the last w−1 items below its end) and
// that a state restored from it continues exactly as the original would have.
#include <gtest/gtest.h>

#include <limits>

#include "grouping_support.h"
#include "model/errors.h"

namespace flamestream {
namespace {

using namespace testing_support;

std::vector<std::string> payload_texts(const std::vector<Item>& items) {
  std::vector<std::string> t;
  for (const Item& i : items) t.push_back(i.payload.to_text());
  return t;
}

TEST(GroupingSnapshot, CommitsTheLastWindowMinusOneItemsPerKeyBelowTheEnd) {
  for (std::size_t w = 1; w <= 4; ++w) {
    const GroupingOp op = parity_grouping(w);
    GroupingState state(op);
    feed(state, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    const auto committed = state.committed(8);  // items 1..7 are below the tick end
    std::vector<std::string> odd, even;
    for (const Item& i : committed) (i.payload.as_int() % 2 ? odd : even).push_back(i.payload.to_text());
    const std::vector<std::string> all_odd = {"1", "3", "5", "7"}, all_even = {"2", "4", "6"};
    EXPECT_EQ(odd, std::vector<std::string>(all_odd.end() - std::min<std::ptrdiff_t>(w - 1, 4), all_odd.end())) << w;
    EXPECT_EQ(even, std::vector<std::string>(all_even.end() - std::min<std::ptrdiff_t>(w - 1, 3), all_even.end())) << w;
  }
}

TEST(GroupingSnapshot, RestoredStateContinuesLikeTheOriginal) {
  const GroupingOp op = parity_grouping(3);
  GroupingState original(op);
  feed(original, {1, 2, 3, 4, 5, 6, 7});
  const auto committed = original.committed(8);

  GroupingState restored(op);
  restored.restore(committed, 8);
  GroupingState from_scratch(op);
  feed(from_scratch, {1, 2, 3, 4, 5, 6, 7});
  // Replay after the tick end, out of order: both must emit the same windows.
  EXPECT_EQ(texts(feed(restored, {10, 8, 9, 11})), texts(feed(from_scratch, {10, 8, 9, 11})));
  EXPECT_EQ(payload_texts(restored.committed(12)), payload_texts(from_scratch.committed(12)));
}

// Brothers of one line share a global time and differ in their traces, which a commit leaves out:
// they still restore, in their order, and the state goes on like the original.
TEST(GroupingSnapshot, ItemsOfOneGlobalTimeRestoreInTheirOrder) {
  const GroupingOp op = parity_grouping(3);
  const auto brothers = [] {
    std::vector<Item> items;
    for (std::uint32_t child = 0; child < 3; ++child)
      items.push_back(Item{Value(std::int64_t{2} * (child + 1)), Meta{{5, 0}, {{0, child}}}, false});
    return items;
  };
  GroupingState original(op);
  std::vector<Output> out;
  for (Item& item : brothers()) original.on_item(std::move(item), out);
  original.on_min_time(6);
  const auto committed = original.committed(6);
  ASSERT_EQ(payload_texts(committed), (std::vector<std::string>{"4", "6"}));

  GroupingState restored(op);
  restored.restore(committed, 6);
  EXPECT_EQ(texts(feed(restored, {8, 10})), texts(feed(original, {8, 10})));
}

TEST(GroupingSnapshot, CommittedStateIsDeterministic) {
  const GroupingOp op = parity_grouping(2);
  GroupingState a(op), b(op);
  feed(a, {1, 2, 3, 4, 5, 6});
  feed(b, {2, 1, 4, 6, 3, 5});  // another arrival order, the same content
  EXPECT_EQ(payload_texts(a.committed(7)), payload_texts(b.committed(7)));
}

// Key: the value modulo 37, so that many buckets take part; a value from 1,000,000 on is a key of
// its own.
Value mod37(const Value& v) { return Value(v.as_int() < 1000000 ? v.as_int() % 37 : v.as_int()); }

std::vector<std::string> item_texts(const std::vector<const Item*>& items) {
  std::vector<std::string> t;
  for (const Item* i : items) t.push_back(i->payload.to_text() + "@" + std::to_string(i->meta.time.ts));
  return t;
}

TEST(GroupingSnapshot, TakenInPartsWhileItemsArriveItEqualsTheStateAtItsStart) {
  for (std::size_t w : {2, 3}) {
    const GroupingOp op{w, mod37};
    GroupingState state(op);
    std::vector<std::int64_t> first;
    for (std::int64_t x = 1; x < 400; ++x) first.push_back(x);
    feed(state, first);
    state.on_min_time(300);  // trims buckets, some past what the snapshot at 350 needs
    const auto expected = item_texts(state.committed_items(350));
    ASSERT_FALSE(expected.empty());

    state.begin_snapshot(350);
    std::vector<const Item*> part;
    std::vector<std::string> got;
    std::int64_t next = 400;
    std::vector<Output> out;
    while (!state.snapshot_step(3, part)) {
      for (const auto& t : item_texts(part)) got.push_back(t);
      part.clear();
      // Meanwhile: the minimal time moves far past the end (trims), new items and new keys come,
      // and a tombstone empties a bucket that only held it (the slot is freed after the snapshot).
      state.on_min_time(static_cast<Timestamp>(next));
      for (int k = 0; k < 5; ++k, ++next) state.on_item(int_item(next), out);
      Item alone{Value(std::int64_t{1000000} + next), Meta{{static_cast<Timestamp>(next), 0}, {}}, false};
      state.on_item(Item(alone), out);
      alone.tombstone = true;
      state.on_item(std::move(alone), out);
      next += 1;
    }
    for (const auto& t : item_texts(part)) got.push_back(t);
    EXPECT_EQ(got, expected) << "w " << w;
    // Finishing one at once, as a worker does when the next tick end passes first.
    state.begin_snapshot(static_cast<Timestamp>(next));
    std::vector<const Item*> all;
    EXPECT_TRUE(state.snapshot_step(std::numeric_limits<std::size_t>::max(), all));
    EXPECT_EQ(item_texts(all), item_texts(state.committed_items(static_cast<Timestamp>(next))));
    EXPECT_FALSE(state.snapshot_under_way());
    // While pinned, a bucket kept at most w−1 entries besides the usual last w−1 final ones (and
    // the last round's 5 live items); once the snapshot is done, its next trim drops them too.
    EXPECT_LE(state.entry_count(), 37 * 2 * (w - 1) + 5);
    state.on_min_time(static_cast<Timestamp>(next + 1));
    std::vector<std::int64_t> each_key;
    for (std::int64_t k = 0; k < 37; ++k) each_key.push_back(next + 2 + k);
    feed(state, each_key);
    EXPECT_EQ(state.entry_count(), 37 * w);  // per key: w−1 final entries and the live one
  }
}

TEST(GroupingSnapshot, RestoreRejectsWhatNoCommitCouldHold) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  EXPECT_THROW(state.restore({int_item(9)}, 5), InternalError);  // at or above the tick end
  EXPECT_THROW(state.restore({int_item(3), int_item(1)}, 5), InternalError);  // out of order
}

}  // namespace
}  // namespace flamestream
