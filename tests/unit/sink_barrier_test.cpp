// The sink barrier: release below the minimal time in meta order, tombstones, invariant checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "model/errors.h"
#include "sink/sink_barrier.h"

namespace flamestream {
namespace {

Item item(Timestamp ts, Value payload, Trace trace = {}, FrontId front = 0, bool tombstone = false) {
  return Item{std::move(payload), Meta{{ts, front}, std::move(trace)}, tombstone};
}

Item tombstone_of(const Item& i) { return Item{i.payload, i.meta, true}; }

std::vector<Item> release(SinkBarrier& sink, Timestamp min_ts) {
  std::vector<Item> out;
  sink.release(min_ts, [&](const Item& i) { out.push_back(i); });
  return out;
}

std::vector<std::string> texts(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const Item& i : items) out.push_back(i.payload.to_text());
  return out;
}

TEST(SinkBarrier, ReleasesOnlyBelowTheMinimalTime) {
  SinkBarrier sink;
  sink.on_item(item(3, "c"));
  sink.on_item(item(1, "a"));
  sink.on_item(item(2, "b"));
  EXPECT_TRUE(release(sink, 1).empty());  // nothing below 1
  EXPECT_EQ(texts(release(sink, 3)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sink.buffered(), 1u);
  EXPECT_EQ(sink.min_time(), 3u);
  EXPECT_EQ(texts(release(sink, kInfinity)), std::vector<std::string>{"c"});
  EXPECT_EQ(sink.buffered(), 0u);
}

TEST(SinkBarrier, ReleasesInMetaOrderBrothersByChildId) {
  const std::vector<Item> in_meta_order = {
      item(1, "t1"),
      item(2, "f0", {}, 0),
      item(2, "f1", {}, 1),                // same ts, next front
      item(3, "brother0", {{0, 0}}),
      item(3, "brother0-deeper", {{0, 0}, {0, 0}}),
      item(3, "brother1", {{0, 1}}),
      item(3, "version2", {{2, 0}}),
      item(4, "t4", {{0, 5}}),
  };
  std::vector<Item> shuffled = in_meta_order;
  std::mt19937 rng(3);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  SinkBarrier sink;
  for (const Item& i : shuffled) sink.on_item(i);
  const auto out = release(sink, 10);
  ASSERT_EQ(out.size(), in_meta_order.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].payload, in_meta_order[i].payload) << i;
    EXPECT_EQ(out[i].meta, in_meta_order[i].meta) << i;
    EXPECT_FALSE(out[i].tombstone);
  }
}

TEST(SinkBarrier, TombstoneRemovesItsItem) {
  SinkBarrier sink;
  const Item stale = item(5, "(1|3|7)", {{1, 0}});
  const Item fresh = item(5, "(3|5|7)", {{2, 0}});
  sink.on_item(stale);
  sink.on_item(tombstone_of(stale));
  sink.on_item(fresh);
  EXPECT_EQ(sink.buffered(), 1u);
  EXPECT_EQ(texts(release(sink, 6)), std::vector<std::string>{"(3|5|7)"});
  // The same meta may be used again after its tombstone (deterministic local times).
  SinkBarrier again;
  again.on_item(stale);
  again.on_item(tombstone_of(stale));
  again.on_item(stale);
  EXPECT_EQ(texts(release(again, 6)), std::vector<std::string>{"(1|3|7)"});
}

TEST(SinkBarrier, TombstoneWithoutItsItemIsAnInternalError) {
  SinkBarrier sink;
  EXPECT_THROW(sink.on_item(tombstone_of(item(5, "x"))), InternalError);
  sink.on_item(item(5, "x", {{1, 0}}));
  EXPECT_THROW(sink.on_item(tombstone_of(item(5, "x", {{2, 0}}))), InternalError);  // other meta
  EXPECT_THROW(sink.on_item(tombstone_of(item(5, "y", {{1, 0}}))), InternalError);  // other payload
  EXPECT_EQ(sink.buffered(), 1u);
}

TEST(SinkBarrier, ItemBelowTheReleasedMinimalTimeIsAnInternalError) {
  SinkBarrier sink;
  sink.on_item(item(1, "a"));
  release(sink, 4);
  EXPECT_THROW(sink.on_item(item(3, "late")), InternalError);
  EXPECT_THROW(sink.on_item(tombstone_of(item(1, "a"))), InternalError);  // released: too late
  EXPECT_NO_THROW(sink.on_item(item(4, "at the minimal time")));  // ts 4 may still arrive
}

TEST(SinkBarrier, TwoLiveItemsWithOneMetaIsAnInternalError) {
  SinkBarrier sink;
  sink.on_item(item(2, "a", {{0, 0}}));
  EXPECT_THROW(sink.on_item(item(2, "b", {{0, 0}})), InternalError);
}

TEST(SinkBarrier, MinimalTimeNeverGoesBack) {
  SinkBarrier sink;
  release(sink, 5);
  sink.on_item(item(6, "x"));
  EXPECT_TRUE(release(sink, 3).empty());
  EXPECT_EQ(sink.min_time(), 5u);
  EXPECT_THROW(sink.on_item(item(4, "y")), InternalError);
}

TEST(SinkBarrier, CountsStats) {
  SinkBarrier sink;
  const Item a = item(1, "a"), b = item(2, "b"), c = item(3, "c");
  sink.on_item(a);
  sink.on_item(b);
  sink.on_item(c);
  sink.on_item(tombstone_of(b));
  release(sink, 2);
  sink.on_item(item(4, "d"));
  release(sink, 10);
  EXPECT_EQ(sink.stats().arrived, 4u);
  EXPECT_EQ(sink.stats().cancelled, 1u);
  EXPECT_EQ(sink.stats().released, 3u);
  EXPECT_EQ(sink.stats().peak_buffered, 3u);
  EXPECT_EQ(sink.stats().arrived - sink.stats().cancelled, sink.stats().released + sink.buffered());
}

}  // namespace
}  // namespace flamestream
