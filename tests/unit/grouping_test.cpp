// Grouping: the paper's sequence in order, and replay, tombstones and versions out of order.
#include <gtest/gtest.h>

#include "grouping_support.h"
#include "model/errors.h"

namespace flamestream {
namespace {

using namespace testing_support;

Meta window_meta(std::int64_t last, std::uint32_t version) {
  return int_item(last).meta.extended({version, 0});
}

TEST(Grouping, PaperSequenceInOrder) {
  const GroupingOp op = parity_grouping(3);
  GroupingState state(op);
  const auto out = feed(state, {1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(texts(out), (std::vector<std::string>{"(1)", "(2)", "(1|3)", "(2|4)", "(1|3|5)",
                                                  "(2|4|6)", "(3|5|7)", "(4|6|8)"}));
  EXPECT_EQ(state.stats().windows, 8u);
  EXPECT_EQ(state.stats().replays, 0u);
  EXPECT_EQ(state.stats().tombstones, 0u);
  EXPECT_EQ(state.key_count(), 2u);
  EXPECT_EQ(state.entry_count(), 8u);
}

TEST(Grouping, InOrderWindowMetaIsLastItemMetaAtVersionOne) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  const auto out = feed(state, {1, 2, 3, 4});
  ASSERT_EQ(out.size(), 4u);
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].item.meta, window_meta(static_cast<std::int64_t>(i) + 1, 1));
    EXPECT_FALSE(out[i].item.tombstone);
  }
}

TEST(Grouping, ItemLandingBeforeTheTailReplaysTheWindowAfterIt) {
  const GroupingOp op = parity_grouping(3);
  GroupingState state(op);
  const auto first = feed(state, {1, 3, 7});
  const auto out = feed(state, {5});
  // Tombstone for (1|3|7), the new window (1|3|5), then 7's window replayed as version 2.
  ASSERT_EQ(texts(out), (std::vector<std::string>{"-(1|3|7)", "(1|3|5)", "(3|5|7)"}));
  EXPECT_EQ(out[0].item.meta, first[2].item.meta);
  EXPECT_EQ(out[0].item.meta, window_meta(7, 1));
  EXPECT_EQ(out[1].item.meta, window_meta(5, 1));
  EXPECT_EQ(out[2].item.meta, window_meta(7, 2));
  EXPECT_TRUE(invalidates(out[2].item.meta, out[0].item.meta));
  EXPECT_EQ(state.stats().replays, 1u);
  EXPECT_EQ(state.stats().tombstones, 1u);
}

TEST(Grouping, LandingShiftsTheNextWindowMinusOneEntries) {
  const GroupingOp op = parity_grouping(3);
  GroupingState state(op);
  feed(state, {1, 5, 7});
  const auto out = feed(state, {3});
  EXPECT_EQ(texts(out),
            (std::vector<std::string>{"-(1|5)", "-(1|5|7)", "(1|3)", "(1|3|5)", "(3|5|7)"}));
  EXPECT_EQ(out[0].item.meta, window_meta(5, 1));
  EXPECT_EQ(out[1].item.meta, window_meta(7, 1));
  EXPECT_EQ(out[3].item.meta, window_meta(5, 2));
  EXPECT_EQ(out[4].item.meta, window_meta(7, 2));
}

TEST(Grouping, EntriesBeyondTheWindowAreNotReplayed) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  feed(state, {3, 5, 7, 9});
  const auto out = feed(state, {1});
  EXPECT_EQ(texts(out), (std::vector<std::string>{"-(3)", "(1)", "(1|3)"}));
  EXPECT_EQ(out[2].item.meta, window_meta(3, 2));
}

TEST(Grouping, VersionsKeepGrowingAcrossReplays) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  feed(state, {9});
  const auto a = feed(state, {7});  // 9 replayed: version 2
  const auto b = feed(state, {5});  // 7 replayed: version 2; 9 is out of reach
  const auto c = feed(state, {8});  // other key, nothing replayed
  EXPECT_EQ(texts(a), (std::vector<std::string>{"-(9)", "(7)", "(7|9)"}));
  EXPECT_EQ(a.back().item.meta, window_meta(9, 2));
  EXPECT_EQ(texts(b), (std::vector<std::string>{"-(7)", "(5)", "(5|7)"}));
  EXPECT_EQ(b.back().item.meta, window_meta(7, 2));
  EXPECT_EQ(texts(c), (std::vector<std::string>{"(8)"}));
  const auto d = feed(state, {6});  // lands before 8: version 2 of 8's window
  EXPECT_EQ(d.back().item.meta, window_meta(8, 2));
  std::vector<Output> e;
  state.on_item(Item{Value(5), int_item(5).meta, true}, e);  // 7's window again: version 3
  EXPECT_EQ(texts(e), (std::vector<std::string>{"-(5)", "-(5|7)", "(7)"}));
  EXPECT_EQ(e.back().item.meta, window_meta(7, 3));
}

TEST(Grouping, TombstoneRemovesEntryCancelsItsWindowAndReplaysTheNextWindowMinusOne) {
  const GroupingOp op = parity_grouping(3);
  GroupingState state(op);
  feed(state, {1, 3, 5, 7, 9});
  std::vector<Output> out;
  state.on_item(Item{Value(3), int_item(3).meta, true}, out);
  EXPECT_EQ(texts(out), (std::vector<std::string>{"-(1|3)", "-(1|3|5)", "-(3|5|7)", "(1|5)",
                                                  "(1|5|7)"}));
  EXPECT_EQ(out[0].item.meta, window_meta(3, 1));
  EXPECT_EQ(out[3].item.meta, window_meta(5, 2));
  EXPECT_EQ(out[4].item.meta, window_meta(7, 2));
  EXPECT_EQ(state.entry_count(), 4u);
  // The bucket now is 1 5 7 9: the next item sees it.
  EXPECT_EQ(texts(feed(state, {11})), (std::vector<std::string>{"(7|9|11)"}));
}

TEST(Grouping, TombstoneOfTheTailCancelsOnlyItsWindow) {
  const GroupingOp op = parity_grouping(3);
  GroupingState state(op);
  feed(state, {1, 3, 5});
  std::vector<Output> out;
  state.on_item(Item{Value(5), int_item(5).meta, true}, out);
  EXPECT_EQ(texts(out), (std::vector<std::string>{"-(1|3|5)"}));
  EXPECT_EQ(state.stats().replays, 0u);
}

TEST(Grouping, TombstoneOfTheLastEntryDropsTheKey) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  feed(state, {1, 2});
  std::vector<Output> out;
  state.on_item(Item{Value(1), int_item(1).meta, true}, out);
  EXPECT_EQ(state.key_count(), 1u);
  EXPECT_EQ(state.entry_count(), 1u);
  // The key can come back afterwards.
  EXPECT_EQ(texts(feed(state, {3})), (std::vector<std::string>{"(3)"}));
}

TEST(Grouping, AnEmptiedBucketGivesWayToANewOneOfItsKey) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  feed(state, {2});
  std::vector<Output> out;
  // The tombstone empties the even key's bucket while the trim queue still names its slot, which
  // stays until the minimal time passes it: the key's next item opens a bucket of its own.
  state.on_item(Item{Value(2), int_item(2).meta, true}, out);
  EXPECT_EQ(state.key_count(), 0u);
  EXPECT_EQ(texts(feed(state, {4})), (std::vector<std::string>{"(4)"}));
  state.on_min_time(5);  // frees the empty slot; the key of 4 goes quiet
  EXPECT_EQ(state.key_count(), 1u);
  EXPECT_EQ(state.entry_count(), 1u);
  EXPECT_EQ(texts(feed(state, {6, 8})), (std::vector<std::string>{"(4|6)", "(6|8)"}));
}

TEST(Grouping, AQuietKeyWakesWithItsFinalItemAsContext) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  feed(state, {1, 2, 3});
  state.on_min_time(10);  // every entry final: each key keeps its last item only
  EXPECT_EQ(state.key_count(), 2u);
  EXPECT_EQ(state.entry_count(), 2u);
  // Out of order after waking: 13 first, then 11 lands before it and replays its window.
  EXPECT_EQ(texts(feed(state, {13, 11, 12})),
            (std::vector<std::string>{"(3|13)", "-(3|13)", "(3|11)", "(11|13)", "(2|12)"}));
  state.on_min_time(14);  // quiet again, at 13 and 12
  EXPECT_EQ(state.entry_count(), 2u);
  const auto committed = state.committed(14);
  ASSERT_EQ(committed.size(), 2u);
  for (const Item& item : committed) EXPECT_TRUE(item.meta.trace.empty());
  EXPECT_EQ(texts(feed(state, {15, 16})), (std::vector<std::string>{"(13|15)", "(12|16)"}));
}

TEST(Grouping, LiveWindowsAfterOutOfOrderArrivalEqualInOrderWindows) {
  for (std::size_t w = 1; w <= 4; ++w) {
    const GroupingOp op = parity_grouping(w);
    GroupingState in_order(op), shuffled(op);
    const auto expected = feed(in_order, {1, 2, 3, 4, 5, 6, 7, 8});
    const auto out = feed(shuffled, {8, 3, 1, 6, 2, 7, 5, 4});
    EXPECT_EQ(live_texts(out), live_texts(expected)) << "window " << w;
    EXPECT_EQ(live_windows(expected).size(), 8u);
  }
}

TEST(Grouping, BrokenInvariantsRaiseInternalError) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  feed(state, {1});
  std::vector<Output> out;
  EXPECT_THROW(state.on_item(int_item(1), out), InternalError);  // two live items, one meta
  EXPECT_THROW(state.on_item(Item{Value(3), int_item(3).meta, true}, out), InternalError);
  EXPECT_THROW(state.on_item(Item{Value(5), int_item(1).meta, true}, out), InternalError);
}

}  // namespace
}  // namespace flamestream
