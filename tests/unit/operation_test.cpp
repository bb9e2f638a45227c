// Stateless operations: payloads, local times appended (0, child id), ports, and the tombstone flag.
#include <gtest/gtest.h>

#include <vector>

#include "model/errors.h"
#include "model/operation.h"

namespace flamestream {
namespace {

Item input(Value payload, bool tombstone = false) {
  return Item{std::move(payload), Meta{{7, 2}, {{3, 1}}}, tombstone};
}

TEST(Operation, Names) {
  EXPECT_STREQ(operation_name(FrontOp{}), "front");
  EXPECT_STREQ(operation_name(MapOp{}), "map");
  EXPECT_STREQ(operation_name(FlatMapOp{}), "flat_map");
  EXPECT_STREQ(operation_name(FilterOp{}), "filter");
  EXPECT_STREQ(operation_name(BroadcastOp{}), "broadcast");
  EXPECT_STREQ(operation_name(MergeOp{}), "merge");
  EXPECT_STREQ(operation_name(GroupingOp{}), "grouping");
  EXPECT_STREQ(operation_name(SinkOp{}), "sink");
}

TEST(Operation, MapAppliesFunctionAndExtendsTrace) {
  const Operation op = MapOp{[](const Value& v) { return Value(v.as_int() * 10); }};
  std::vector<Output> out;
  apply_stateless(op, 1, input(4), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].port, 0u);
  EXPECT_EQ(out[0].item.payload, Value(40));
  EXPECT_EQ(out[0].item.meta, input(4).meta.extended({0, 0}));
  EXPECT_FALSE(out[0].item.tombstone);
}

TEST(Operation, FlatMapOutputsAreBrothersInOrder) {
  const Operation op = FlatMapOp{[](const Value& v, std::vector<Value>& out) {
    for (std::int64_t i = 0; i < v.as_int(); ++i) out.emplace_back(i * 100);
  }};
  std::vector<Output> out;
  apply_stateless(op, 1, input(3), out);
  ASSERT_EQ(out.size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].port, 0u);
    EXPECT_EQ(out[i].item.payload, Value(static_cast<std::int64_t>(i) * 100));
    EXPECT_EQ(out[i].item.meta, input(3).meta.extended({0, i}));
    if (i > 0) {
      EXPECT_LT(out[i - 1].item.meta, out[i].item.meta);
    }
  }
  out.clear();
  apply_stateless(op, 1, input(0), out);
  EXPECT_TRUE(out.empty());
}

TEST(Operation, FlatMapAppendsToExistingOutput) {
  const Operation op = FlatMapOp{[](const Value& v, std::vector<Value>& out) { out.push_back(v); }};
  std::vector<Output> out;
  apply_stateless(op, 1, input(1), out);
  apply_stateless(op, 1, input(2), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].item.payload, Value(1));
  EXPECT_EQ(out[1].item.payload, Value(2));
}

TEST(Operation, FilterKeepsOrDrops) {
  const Operation op = FilterOp{[](const Value& v) { return v.as_int() % 2 == 0; }};
  std::vector<Output> out;
  apply_stateless(op, 1, input(3), out);
  EXPECT_TRUE(out.empty());
  apply_stateless(op, 1, input(4), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].item.payload, Value(4));
  EXPECT_EQ(out[0].item.meta, input(4).meta.extended({0, 0}));
}

TEST(Operation, BroadcastCopiesToEveryPortAsBrothers) {
  std::vector<Output> out;
  apply_stateless(BroadcastOp{}, 3, input("x"), out);
  ASSERT_EQ(out.size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].port, i);
    EXPECT_EQ(out[i].item.payload, Value("x"));
    EXPECT_EQ(out[i].item.meta, input("x").meta.extended({0, i}));
  }
}

TEST(Operation, MergePassesThrough) {
  std::vector<Output> out;
  apply_stateless(MergeOp{}, 1, input("y"), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].item.payload, Value("y"));
  EXPECT_EQ(out[0].item.meta, input("y").meta.extended({0, 0}));
}

TEST(Operation, TombstonesKeepTheirFlagAndFollowTheSameRoute) {
  const std::vector<Operation> ops = {
      MapOp{[](const Value& v) { return Value(v.as_int() + 1); }},
      FlatMapOp{[](const Value& v, std::vector<Value>& out) { out.assign(2, v); }},
      FilterOp{[](const Value&) { return true; }}, BroadcastOp{}, MergeOp{}};
  for (const Operation& op : ops) {
    std::vector<Output> live, dead;
    apply_stateless(op, 2, input(5, false), live);
    apply_stateless(op, 2, input(5, true), dead);
    ASSERT_EQ(live.size(), dead.size()) << operation_name(op);
    for (std::size_t i = 0; i < live.size(); ++i) {
      EXPECT_TRUE(dead[i].item.tombstone) << operation_name(op);
      EXPECT_FALSE(live[i].item.tombstone) << operation_name(op);
      EXPECT_EQ(dead[i].port, live[i].port);
      EXPECT_EQ(dead[i].item.payload, live[i].item.payload);
      EXPECT_EQ(dead[i].item.meta, live[i].item.meta);
    }
  }
}

TEST(Operation, StatefulOrEndpointNodesAreNotStateless) {
  std::vector<Output> out;
  EXPECT_THROW(apply_stateless(GroupingOp{}, 1, input(1), out), InternalError);
  EXPECT_THROW(apply_stateless(FrontOp{}, 1, input(1), out), InternalError);
  EXPECT_THROW(apply_stateless(SinkOp{}, 1, input(1), out), InternalError);
}

}  // namespace
}  // namespace flamestream
