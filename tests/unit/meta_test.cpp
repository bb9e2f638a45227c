// Metas: lexicographic order (global time, then trace) and the invalidation relation of §3.1.2.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "model/meta.h"

namespace flamestream {
namespace {

Meta meta(Timestamp ts, Trace trace, FrontId front = 0) { return Meta{{ts, front}, std::move(trace)}; }

TEST(Meta, GlobalTimeOrdersByTimestampThenFront) {
  EXPECT_LT((GlobalTime{1, 9}), (GlobalTime{2, 0}));
  EXPECT_LT((GlobalTime{2, 0}), (GlobalTime{2, 1}));
  EXPECT_EQ((GlobalTime{3, 4}), (GlobalTime{3, 4}));
}

TEST(Meta, GlobalTimeComesBeforeTrace) {
  EXPECT_LT(meta(1, {{9, 9}, {9, 9}}), meta(2, {}));
  EXPECT_LT(meta(5, {{9, 9}}, 0), meta(5, {}, 1));
}

TEST(Meta, TraceOrdersLexicographicallyAndPrefixFirst) {
  EXPECT_LT(meta(1, {}), meta(1, {{0, 0}}));               // prefix first
  EXPECT_LT(meta(1, {{0, 0}}), meta(1, {{0, 0}, {0, 0}}));  // prefix first
  EXPECT_LT(meta(1, {{0, 0}, {5, 5}}), meta(1, {{0, 1}}));  // first difference decides
  EXPECT_LT(meta(1, {{0, 7}}), meta(1, {{1, 0}}));          // logical time before child id
  EXPECT_LT(meta(1, {{2, 0}, {0, 1}}), meta(1, {{2, 0}, {0, 2}}));
  EXPECT_EQ(meta(1, {{2, 3}}), meta(1, {{2, 3}}));
}

TEST(Meta, ExtendedAppendsOneLocalTimeAndKeepsGlobalTime) {
  const Meta m = meta(7, {{0, 1}}, 3);
  const Meta e = m.extended({2, 0});
  EXPECT_EQ(e.time, m.time);
  EXPECT_EQ(e.trace, (Trace{{0, 1}, {2, 0}}));
  EXPECT_EQ(m.trace.size(), 1u);  // the original is untouched
  EXPECT_LT(m, e);
}

TEST(Invalidates, LaterLogicalTimeAtFirstDifference) {
  const Meta older = meta(4, {{0, 0}, {1, 0}});
  const Meta newer = meta(4, {{0, 0}, {2, 0}});
  EXPECT_TRUE(invalidates(newer, older));
  EXPECT_FALSE(invalidates(older, newer));  // only the newer invalidates
}

TEST(Invalidates, DifferenceDeeperInTheTraceIsIrrelevant) {
  // First difference is the logical time (1 < 2); what follows may be anything.
  const Meta older = meta(4, {{1, 0}, {9, 9}, {9, 9}});
  const Meta newer = meta(4, {{2, 0}});
  EXPECT_TRUE(invalidates(newer, older));
  // Logical time differs and so does the child id at the same position: still a logical difference.
  EXPECT_TRUE(invalidates(meta(4, {{2, 0}}), meta(4, {{1, 5}})));
}

TEST(Invalidates, BrothersNeverInvalidate) {
  const Meta first = meta(4, {{0, 0}, {3, 0}});
  const Meta second = meta(4, {{0, 1}, {1, 0}});  // first difference in child id
  EXPECT_FALSE(invalidates(second, first));
  EXPECT_FALSE(invalidates(first, second));
  EXPECT_LT(first, second);  // yet they are ordered, by child id
}

TEST(Invalidates, AncestorIsNotARival) {
  const Meta parent = meta(4, {{0, 0}});
  const Meta child = parent.extended({5, 0});
  EXPECT_FALSE(invalidates(child, parent));
  EXPECT_FALSE(invalidates(parent, child));
}

TEST(Invalidates, DifferentGlobalTimesNeverInvalidate) {
  EXPECT_FALSE(invalidates(meta(5, {{2, 0}}), meta(4, {{1, 0}})));
  EXPECT_FALSE(invalidates(meta(4, {{2, 0}}, 1), meta(4, {{1, 0}}, 0)));
}

TEST(Invalidates, EqualMetasDoNotInvalidate) {
  const Meta m = meta(4, {{1, 0}, {2, 1}});
  EXPECT_FALSE(invalidates(m, m));
  EXPECT_FALSE(invalidates(meta(4, {}), meta(4, {})));
}

// Property: on random metas, invalidates agrees with its definition written out longhand, and
// implies `newer > older`.
TEST(Invalidates, MatchesDefinitionOnRandomMetas) {
  std::mt19937 rng(42);
  auto random_meta = [&] {
    Meta m{{rng() % 2, static_cast<FrontId>(rng() % 2)}, {}};
    const std::size_t n = rng() % 4;
    for (std::size_t i = 0; i < n; ++i)
      m.trace.push_back({static_cast<std::uint32_t>(rng() % 3), static_cast<std::uint32_t>(rng() % 2)});
    return m;
  };
  int positives = 0;
  for (int i = 0; i < 20000; ++i) {
    const Meta a = random_meta(), b = random_meta();
    bool expected = false;
    if (a.time == b.time) {
      std::size_t k = 0;
      while (k < a.trace.size() && k < b.trace.size() && a.trace[k] == b.trace[k]) ++k;
      expected = k < a.trace.size() && k < b.trace.size() && b.trace[k].logical < a.trace[k].logical;
    }
    ASSERT_EQ(invalidates(a, b), expected) << to_string(a) << " vs " << to_string(b);
    if (expected) {
      ++positives;
      EXPECT_GT(a, b);
    }
  }
  EXPECT_GT(positives, 100);  // the generator does exercise the positive case
}

TEST(Meta, ToStringShowsTimeAndTrace) {
  EXPECT_EQ(to_string(meta(12, {{0, 1}, {2, 0}}, 3)), "(12,3)[0:1 2:0]");
  EXPECT_EQ(to_string(meta(1, {})), "(1,0)[]");
}

}  // namespace
}  // namespace flamestream
