// Ack table and delta aggregation: atomic deltas, minimal time from slots and front reports.
#include <gtest/gtest.h>

#include "acker/ack_table.h"
#include "acker/delta_aggregator.h"
#include "model/errors.h"

namespace flamestream {
namespace {

AckDelta xors(std::vector<AckDelta::Slot> slots) { return AckDelta{std::move(slots), {}}; }
AckDelta report(FrontId front, Timestamp next_ts) { return AckDelta{{}, {{front, next_ts}}}; }

constexpr std::uint64_t kX = 0x1234'5678'9abc'def0ULL;
constexpr std::uint64_t kY = 0x0fed'cba9'8765'4321ULL;

TEST(AckTable, StaysAtZeroUntilEveryFrontReported) {
  AckTable table({0, 1, 2}, 1);
  EXPECT_EQ(table.min_time(), 0u);
  EXPECT_FALSE(table.apply(report(0, 10)));
  EXPECT_FALSE(table.apply(report(2, 30)));
  EXPECT_EQ(table.min_time(), 0u);
  EXPECT_TRUE(table.apply(report(1, 20)));
  EXPECT_EQ(table.min_time(), 10u);  // the lowest report
}

TEST(AckTable, MinimalTimeIsTheLowestNonZeroSlotOrReport) {
  AckTable table({0}, 1);
  table.apply(xors({{5, kX}}));
  table.apply(report(0, 10));
  EXPECT_EQ(table.min_time(), 5u);  // X at 5 is live
  EXPECT_EQ(table.live_slots(), 1u);
  table.apply(xors({{5, kX}}));  // X acked
  EXPECT_EQ(table.min_time(), 10u);
  EXPECT_EQ(table.live_slots(), 0u);
}

TEST(AckTable, AckAndRegisterInOneDeltaIsAtomic) {
  AckTable table({0}, 1);
  table.apply(xors({{5, kX}}));
  table.apply(report(0, 10));
  ASSERT_EQ(table.min_time(), 5u);
  // "Acked X (slot 5), sent Y (slot 7)": the minimal time may only reach Y, never skip past it.
  EXPECT_TRUE(table.apply(xors({{5, kX}, {7, kY}})));
  EXPECT_EQ(table.min_time(), 7u);
  // Whereas the same update split in two lets the minimal time pass the live Y, which is why a
  // delta must be applied whole.
  AckTable split({0}, 1);
  split.apply(xors({{5, kX}}));
  split.apply(report(0, 10));
  split.apply(xors({{5, kX}}));
  EXPECT_EQ(split.min_time(), 10u);
}

TEST(AckTable, XorsOfOneSlotCancelInAnyOrder) {
  AckTable table({0}, 1);
  table.apply(xors({{3, kX}}));
  table.apply(report(0, 100));
  table.apply(xors({{3, kY}}));
  table.apply(xors({{3, kX}}));
  EXPECT_EQ(table.min_time(), 3u);  // X is done, Y still live in slot 3
  table.apply(xors({{3, kY}}));
  EXPECT_EQ(table.min_time(), 100u);
}

TEST(AckTable, SlotWidthRoundsDown) {
  AckTable table({0}, 4);
  EXPECT_EQ(table.slot_of(0), 0u);
  EXPECT_EQ(table.slot_of(7), 4u);
  EXPECT_EQ(table.slot_of(8), 8u);
  table.apply(report(0, 10));  // timestamps 8..11 share a slot: 10 and 11 may still come
  EXPECT_EQ(table.min_time(), 8u);
  table.apply(report(0, 12));
  EXPECT_EQ(table.min_time(), 12u);
  table.apply(xors({{13, kX}}));  // an item at 13 (slot 12) is live
  table.apply(report(0, 30));
  EXPECT_EQ(table.min_time(), 12u);
  table.apply(xors({{14, kX}}));  // acked at another timestamp of the same slot
  EXPECT_EQ(table.min_time(), 28u);
}

TEST(AckTable, NeverMovesBackward) {
  AckTable table({0}, 1);
  table.apply(report(0, 10));
  ASSERT_EQ(table.min_time(), 10u);
  EXPECT_FALSE(table.apply(report(0, 6)));  // a broken promise is ignored and counted
  EXPECT_EQ(table.min_time(), 10u);
  EXPECT_EQ(table.regressions(), 1u);
  EXPECT_FALSE(table.apply(xors({{4, kX}})));  // a registration below the minimal time
  EXPECT_EQ(table.min_time(), 10u);
  EXPECT_EQ(table.regressions(), 2u);
  table.apply(xors({{4, kX}}));
  table.apply(report(0, 11));
  EXPECT_EQ(table.min_time(), 11u);
}

TEST(AckTable, ReachesInfinityWhenEveryFrontIsClosedAndAllIsAcked) {
  AckTable table({0, 1}, 2);
  table.apply(xors({{5, kX}}));
  table.apply(report(0, kInfinity));
  table.apply(report(1, kInfinity));
  EXPECT_EQ(table.min_time(), 4u);
  table.apply(xors({{5, kX}}));
  EXPECT_EQ(table.min_time(), kInfinity);
}

TEST(AckTable, UnknownFrontIsAnInternalError) {
  AckTable table({0}, 1);
  EXPECT_THROW(table.apply(report(7, 3)), InternalError);
  EXPECT_THROW((void)AckTable({0}, 0), InternalError);
}

TEST(DeltaAggregator, FoldsXorsPerSlotAndDropsZeroSlots) {
  DeltaAggregator agg(4, 3);
  EXPECT_TRUE(agg.empty());
  agg.add(5, kX);
  agg.add(6, kY);  // same slot as 5
  agg.add(9, kX);
  agg.add(10, kX);  // cancels the XOR at 9: slot 8 folds to zero
  agg.end_delta();
  EXPECT_FALSE(agg.empty());
  const AckDelta d = agg.take();
  ASSERT_EQ(d.slots.size(), 1u);
  EXPECT_EQ(d.slots[0].slot_ts, 4u);
  EXPECT_EQ(d.slots[0].xor_ids, kX ^ kY);
  EXPECT_TRUE(d.reports.empty());
  EXPECT_TRUE(agg.empty());
}

TEST(DeltaAggregator, FullAfterMaxDeltasAndResetByTake) {
  DeltaAggregator agg(1, 2);
  agg.add(1, kX);
  agg.end_delta();
  EXPECT_FALSE(agg.full());
  agg.add(1, kX);
  agg.end_delta();
  EXPECT_TRUE(agg.full());
  const AckDelta d = agg.take();
  EXPECT_TRUE(d.empty());  // the two XORs cancelled
  EXPECT_FALSE(agg.full());
}

TEST(DeltaAggregator, KeepsTheLatestReportPerFrontAndSendsItWithTheXors) {
  DeltaAggregator agg(1, 100);
  agg.add(3, kX);
  agg.report(0, 4);
  agg.report(0, 9);
  agg.report(1, 2);
  const AckDelta d = agg.take();
  ASSERT_EQ(d.reports.size(), 2u);
  EXPECT_EQ(d.reports[0].front, 0u);
  EXPECT_EQ(d.reports[0].next_ts, 9u);
  EXPECT_EQ(d.reports[1].next_ts, 2u);
  // Applied as one delta: the lowest report (2) bounds the minimal time, then the registration at 3.
  AckTable table({0, 1}, 1);
  table.apply(d);
  EXPECT_EQ(table.min_time(), 2u);
  table.apply(report(1, 20));
  EXPECT_EQ(table.min_time(), 3u);
}

}  // namespace
}  // namespace flamestream
