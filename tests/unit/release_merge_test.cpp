// ReleaseMerge: sink instances' releases merged into the one order a single sink would give.
#include "sink/release_merge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace flamestream {
namespace {

struct Same {
  const Meta& operator()(const Meta& m) const { return m; }
};

Meta at(Timestamp ts, std::uint32_t child = 0) { return Meta{{ts, 0}, {{0, child}}}; }

std::vector<Meta> drained(ReleaseMerge<Meta, ByMeta<Meta, Same>>& merge) {
  std::vector<Meta> out;
  merge.drain([&](const Meta& m) { out.push_back(m); });
  return out;
}

TEST(ReleaseMerge, AnItemWaitsUntilNoInstanceCanReleaseAnythingBeforeIt) {
  ReleaseMerge<Meta, ByMeta<Meta, Same>> merge(2);
  merge.push(0, at(5));
  merge.advance(0, 6);
  EXPECT_TRUE(drained(merge).empty()) << "instance 1 may still release time 5 or below";
  merge.advance(1, 5);
  EXPECT_TRUE(drained(merge).empty()) << "instance 1 has released below 5 only";
  merge.advance(1, 6);
  EXPECT_EQ(drained(merge), std::vector<Meta>{at(5)});
  EXPECT_EQ(merge.held(), 0u);
}

TEST(ReleaseMerge, ItemsOfOneTimeAtSeveralInstancesLeaveInTraceOrder) {
  ReleaseMerge<Meta, ByMeta<Meta, Same>> merge(2);
  merge.push(0, at(7, 2));
  merge.push(1, at(7, 1));
  merge.push(1, at(7, 3));
  EXPECT_EQ(drained(merge), (std::vector<Meta>{at(7, 1), at(7, 2)}))
      << "instance 0 may still release another item of time 7 after (7, 2)";
  merge.advance(0, 8);
  EXPECT_EQ(drained(merge), std::vector<Meta>{at(7, 3)});
}

TEST(ReleaseMerge, RandomInterleavingsGiveTheTotalOrder) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = 1 + rng() % 5;
    std::vector<Meta> all;
    for (Timestamp ts = 1; ts <= 60; ++ts)
      for (std::uint32_t c = 0; c < 1 + rng() % 3; ++c) all.push_back(at(ts, c));
    // Each item to a random instance; each instance releases its own in order, in random steps.
    std::vector<std::vector<Meta>> by(n);
    for (const Meta& m : all) by[rng() % n].push_back(m);
    ReleaseMerge<Meta, ByMeta<Meta, Same>> merge(n);
    std::vector<std::size_t> next(n, 0);
    std::vector<Meta> out;
    for (Timestamp min_ts = 1; min_ts <= 62; min_ts += 1 + rng() % 4) {
      for (std::size_t i : {rng() % n, rng() % n}) {
        for (; next[i] < by[i].size() && by[i][next[i]].time.ts < min_ts; ++next[i]) merge.push(i, by[i][next[i]]);
        merge.advance(i, min_ts);
        merge.drain([&](const Meta& m) { out.push_back(m); });
        ASSERT_TRUE(std::is_sorted(out.begin(), out.end()));
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      for (; next[i] < by[i].size(); ++next[i]) merge.push(i, by[i][next[i]]);
      merge.advance(i, kInfinity);
    }
    merge.drain([&](const Meta& m) { out.push_back(m); });
    ASSERT_EQ(out, all) << "round " << round;
  }
}

}  // namespace
}  // namespace flamestream
