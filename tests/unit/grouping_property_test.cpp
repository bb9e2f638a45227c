// Grouping under random arrival orders (live windows equal the in-order ones) and trimming.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "grouping_support.h"
#include "model/errors.h"

namespace flamestream {
namespace {

using namespace testing_support;

constexpr int kSeeds = 200;
constexpr std::int64_t kItems = 30;

std::vector<std::int64_t> permutation(std::uint64_t seed) {
  std::vector<std::int64_t> order(kItems);
  std::iota(order.begin(), order.end(), 1);
  std::mt19937_64 rng(seed);
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
  return order;
}

std::vector<std::int64_t> in_order() {
  std::vector<std::int64_t> order(kItems);
  std::iota(order.begin(), order.end(), 1);
  return order;
}

TEST(GroupingProperty, RandomArrivalOrderGivesTheInOrderLiveWindows) {
  for (std::size_t w = 1; w <= 4; ++w) {
    const GroupingOp op = parity_grouping(w);
    GroupingState reference(op);
    const auto expected = live_texts(feed(reference, in_order()));
    ASSERT_EQ(expected.size(), static_cast<std::size_t>(kItems));
    EXPECT_EQ(reference.stats().replays, 0u);
    for (int seed = 1; seed <= kSeeds; ++seed) {
      GroupingState state(op);
      std::vector<Output> all;
      for (std::int64_t x : permutation(static_cast<std::uint64_t>(seed))) {
        const std::size_t before = all.size();
        state.on_item(int_item(x), all);
        // Bounded incorrect output: at most w-1 tombstones, the new window, w-1 replays.
        EXPECT_LE(all.size() - before, 2 * w - 1);
      }
      ASSERT_EQ(live_texts(all), expected) << "window " << w << " seed " << seed;
      EXPECT_EQ(state.stats().windows - state.stats().tombstones, static_cast<std::uint64_t>(kItems));
    }
  }
}

// Windows of a first grouping, summed, feed a second grouping, tombstones included (as in the
// chained-groupings job): the second grouping's live windows equal the in-order ones too.
TEST(GroupingProperty, TombstonesPropagateThroughASecondGrouping) {
  const GroupingOp first = parity_grouping(2);
  const GroupingOp second{3, [](const Value& v) { return Value(v.as_int() % 4); }};
  auto run = [&](const std::vector<std::int64_t>& order) {
    GroupingState a(first), b(second);
    std::vector<Output> windows, out;
    for (std::int64_t x : order) {
      windows.clear();
      a.on_item(int_item(x), windows);
      for (const Output& o : windows) {
        std::int64_t sum = 0;
        for (const Value& e : o.item.payload.as_tuple()) sum += e.as_int();
        b.on_item(Item{Value(sum), o.item.meta.extended({0, 0}), o.item.tombstone}, out);
      }
    }
    return live_texts(out);
  };
  const auto expected = run(in_order());
  for (int seed = 1; seed <= kSeeds; ++seed)
    ASSERT_EQ(run(permutation(static_cast<std::uint64_t>(seed))), expected) << "seed " << seed;
}

TEST(GroupingTrim, KeepsTheLastWindowMinusOneFinalEntriesPerKey) {
  for (std::size_t w = 1; w <= 4; ++w) {
    for (Timestamp t = 1; t <= 12; ++t) {
      const GroupingOp op = parity_grouping(w);
      GroupingState state(op);
      feed(state, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
      state.on_min_time(t);
      std::size_t expected = 0;
      for (int key = 0; key < 2; ++key) {
        std::size_t below = 0, at_or_above = 0;
        for (std::int64_t x = 1; x <= 10; ++x)
          if (x % 2 == key) (static_cast<Timestamp>(x) < t ? below : at_or_above)++;
        expected += std::min(below, w - 1) + at_or_above;
      }
      EXPECT_EQ(state.entry_count(), expected) << "window " << w << " min time " << t;
    }
  }
}

TEST(GroupingTrim, KeysOfWindowOneVanishOnceFinal) {
  const GroupingOp op = parity_grouping(1);
  GroupingState state(op);
  feed(state, {1, 2, 3, 4});
  state.on_min_time(4);  // odd entries all final: the odd key vanishes; 4 is still live
  EXPECT_EQ(state.key_count(), 1u);
  EXPECT_EQ(state.entry_count(), 1u);
  state.on_min_time(5);
  EXPECT_EQ(state.key_count(), 0u);
  EXPECT_EQ(state.entry_count(), 0u);
}

TEST(GroupingTrim, ItemBelowTheMinimalTimeIsAnInternalError) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  feed(state, {1, 2});
  state.on_min_time(5);
  std::vector<Output> out;
  EXPECT_THROW(state.on_item(int_item(4), out), InternalError);
  EXPECT_NO_THROW(state.on_item(int_item(5), out));  // at the minimal time is still allowed
  state.on_min_time(3);                               // never moves back
  EXPECT_THROW(state.on_item(int_item(4), out), InternalError);
}

TEST(GroupingTrim, TrimmedWindowsStillCarryTheirContext) {
  const GroupingOp op = parity_grouping(3);
  GroupingState state(op);
  feed(state, {1, 3, 5, 9});
  state.on_min_time(7);  // keeps 3 5 and 9
  EXPECT_EQ(state.entry_count(), 3u);
  EXPECT_EQ(texts(feed(state, {7})), (std::vector<std::string>{"-(3|5|9)", "(3|5|7)", "(5|7|9)"}));
}

// Trimming below a minimal time that every earlier item has passed never changes what a grouping
// emits: random orders, min time raised as soon as a prefix 1..T-1 has arrived.
TEST(GroupingTrim, TrimmingNeverChangesTheOutput) {
  for (std::size_t w = 1; w <= 4; ++w) {
    const GroupingOp op = parity_grouping(w);
    for (int seed = 1; seed <= kSeeds; ++seed) {
      GroupingState trimmed(op), untrimmed(op);
      std::vector<bool> arrived(kItems + 2, false);
      Timestamp min_ts = 1;
      for (std::int64_t x : permutation(static_cast<std::uint64_t>(seed))) {
        std::vector<Output> a, b;
        trimmed.on_item(int_item(x), a);
        untrimmed.on_item(int_item(x), b);
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
          ASSERT_EQ(a[i].item.payload, b[i].item.payload) << "window " << w << " seed " << seed;
          ASSERT_EQ(a[i].item.meta, b[i].item.meta);
          ASSERT_EQ(a[i].item.tombstone, b[i].item.tombstone);
        }
        arrived[static_cast<std::size_t>(x)] = true;
        while (min_ts <= static_cast<Timestamp>(kItems) && arrived[min_ts]) ++min_ts;
        trimmed.on_min_time(min_ts);
      }
      EXPECT_EQ(untrimmed.entry_count(), static_cast<std::size_t>(kItems));
      EXPECT_EQ(trimmed.entry_count(), 2 * (w - 1)) << "window " << w << " seed " << seed;
    }
  }
}

}  // namespace
}  // namespace flamestream
