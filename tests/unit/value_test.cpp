// Payload values: kinds, accessors, stable text form, equality, ordering and hashing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "model/errors.h"
#include "model/value.h"

namespace flamestream {
namespace {

using ::testing::HasSubstr;

TEST(Value, KindsAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value(true).kind(), Value::Kind::boolean);
  EXPECT_EQ(Value(7).kind(), Value::Kind::integer);
  EXPECT_EQ(Value(std::uint8_t{7}).as_int(), 7);
  EXPECT_EQ(Value(-3L).as_int(), -3);
  EXPECT_EQ(Value(2.5).as_double(), 2.5);
  EXPECT_EQ(Value("abc").as_string(), "abc");
  EXPECT_EQ(Value(std::string_view("xy")).as_string(), "xy");
  const Value t = Value::tuple({1, "a"});
  ASSERT_EQ(t.as_tuple().size(), 2u);
  EXPECT_EQ(t.as_tuple()[1].as_string(), "a");
}

TEST(Value, WrongAccessorNamesBothKinds) {
  try {
    (void)Value("x").as_int();
    FAIL() << "as_int on a string must throw";
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("int"));
    EXPECT_THAT(e.what(), HasSubstr("string"));
  }
  EXPECT_THROW((void)Value(1).as_string(), ValueError);
  EXPECT_THROW((void)Value(1).as_tuple(), ValueError);
  EXPECT_THROW((void)Value(1).as_double(), ValueError);
  EXPECT_THROW((void)Value().as_bool(), ValueError);
}

TEST(Value, TextForm) {
  EXPECT_EQ(Value().to_text(), "null");
  EXPECT_EQ(Value(true).to_text(), "true");
  EXPECT_EQ(Value(false).to_text(), "false");
  EXPECT_EQ(Value(-42).to_text(), "-42");
  EXPECT_EQ(Value(std::int64_t{INT64_MIN}).to_text(), "-9223372036854775808");
  EXPECT_EQ(Value(2.5).to_text(), "2.5");
  EXPECT_EQ(Value(0.1).to_text(), "0.1");  // shortest round-trip form, not 0.1000000000000000055
  EXPECT_EQ(Value("dog").to_text(), "dog");
  EXPECT_EQ(Value::tuple({}).to_text(), "()");
  EXPECT_EQ(Value::tuple({1, Value::tuple({"a", 2.5}), Value()}).to_text(), "(1|(a|2.5)|null)");
}

TEST(Value, AppendTextAppends) {
  std::string out = "x=";
  Value::tuple({0, "dog", 1}).append_text(out);
  EXPECT_EQ(out, "x=(0|dog|1)");
}

TEST(Value, EqualityIsPerKind) {
  EXPECT_EQ(Value(1), Value(1L));
  EXPECT_NE(Value(1), Value(1.0));
  EXPECT_NE(Value(1), Value("1"));
  EXPECT_NE(Value(1), Value(true));
  EXPECT_NE(Value(), Value(0));
  EXPECT_EQ(Value::tuple({1, "a"}), Value::tuple({1, "a"}));
  EXPECT_NE(Value::tuple({1, "a"}), Value::tuple({1, "b"}));
  EXPECT_NE(Value::tuple({1}), Value(1));
}

TEST(Value, OrderingIsKindThenValue) {
  // Kinds order null < bool < int < double < string < tuple, whatever the contents.
  const std::vector<Value> ascending = {Value(),    Value(false), Value(true),
                                        Value(-5),  Value(3),     Value(-1.5),
                                        Value(0.5), Value(""),    Value("a"),
                                        Value("b"), Value::tuple({}), Value::tuple({1}),
                                        Value::tuple({1, 0}), Value::tuple({2})};
  for (std::size_t i = 0; i + 1 < ascending.size(); ++i) {
    EXPECT_LT(ascending[i], ascending[i + 1]) << ascending[i].to_text() << " vs "
                                               << ascending[i + 1].to_text();
    EXPECT_GT(ascending[i + 1], ascending[i]);
  }
  EXPECT_EQ(Value("a") <=> Value("a"), std::strong_ordering::equal);
}

TEST(Value, CopiesShareTupleContents) {
  const Value a = Value::tuple({1, 2, 3});
  const Value b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(a.as_tuple().data(), b.as_tuple().data());
}

TEST(Value, EqualValuesHashEqual) {
  EXPECT_EQ(Value("dog").hash(), Value(std::string("dog")).hash());
  EXPECT_EQ(Value(5).hash(), Value(5L).hash());
  EXPECT_EQ(Value::tuple({1, Value::tuple({"a"})}).hash(),
            Value::tuple({1, Value::tuple({"a"})}).hash());
  EXPECT_EQ(ValueHash{}(Value(9)), static_cast<std::size_t>(Value(9).hash()));
}

TEST(Value, KindsSeparateHashes) {
  // 1, 1.0, "1", true and (1) are distinct values, so they should not collide.
  const std::set<std::uint64_t> hashes = {Value(1).hash(), Value(1.0).hash(), Value("1").hash(),
                                          Value(true).hash(), Value::tuple({1}).hash(),
                                          Value().hash()};
  EXPECT_EQ(hashes.size(), 6u);
  EXPECT_NE(Value::tuple({1, 2}).hash(), Value::tuple({2, 1}).hash());
  EXPECT_NE(Value::tuple({Value::tuple({1}), 2}).hash(), Value::tuple({1, Value::tuple({2})}).hash());
}

TEST(Value, DistinctIntegersHashDistinct) {
  std::set<std::uint64_t> distinct;
  for (int i = 0; i < 1000; ++i) distinct.insert(Value(i).hash());
  EXPECT_EQ(distinct.size(), 1000u);
}

// Equal values hash equal, so a grouping keyed by a double puts 0.0 and -0.0 in one bucket and
// partitioning sends them to one worker.
TEST(Value, EqualDoublesHashEqualIncludingSignedZero) {
  ASSERT_EQ(Value(0.0), Value(-0.0));
  EXPECT_EQ(Value(0.0).hash(), Value(-0.0).hash());
}

// Values are keys, so equality, ordering and hashing must agree even for NaN: every NaN equals
// every NaN and sorts after all numbers.
TEST(Value, NanIsOneKey) {
  const Value nan(std::nan(""));
  EXPECT_EQ(nan, nan);
  EXPECT_EQ(nan, Value(-std::nan("1")));
  EXPECT_EQ(nan.hash(), Value(-std::nan("1")).hash());
  EXPECT_EQ(nan <=> nan, std::strong_ordering::equal);
  EXPECT_EQ(Value(1e300) <=> nan, std::strong_ordering::less);
  EXPECT_EQ(nan <=> Value(-1.0), std::strong_ordering::greater);
}

}  // namespace
}  // namespace flamestream
