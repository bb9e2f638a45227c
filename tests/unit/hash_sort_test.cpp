// sort_by_hash: the same order as std::sort for uniform, narrow, equal and adversarial hashes.
#include <gtest/gtest.h>

#include <random>

#include "model/hash_sort.h"

namespace flamestream {
namespace {

using Records = std::vector<std::pair<std::uint64_t, int>>;

bool by_hash_then_payload(const std::pair<std::uint64_t, int>& a, const std::pair<std::uint64_t, int>& b) {
  return a.first != b.first ? a.first < b.first : a.second < b.second;
}

void expect_sorted_like_std(Records records) {
  Records expected = records;
  std::sort(expected.begin(), expected.end(), by_hash_then_payload);
  sort_by_hash(records, by_hash_then_payload);
  EXPECT_EQ(records, expected);
}

TEST(HashSort, OrdersLikeStdSort) {
  std::mt19937_64 rng(7);
  for (std::size_t n : {0, 1, 2, 63, 64, 65, 1000, 50000}) {
    Records uniform, narrow, few;
    for (std::size_t i = 0; i < n; ++i) {
      uniform.emplace_back(rng(), static_cast<int>(i));
      narrow.emplace_back((std::uint64_t{1} << 63) + rng() % 1000, static_cast<int>(i));  // one worker's slice
      few.emplace_back(rng() % 3, static_cast<int>(n - i));  // many ties, broken by the payload
    }
    expect_sorted_like_std(uniform);
    expect_sorted_like_std(narrow);
    expect_sorted_like_std(few);
  }
}

TEST(HashSort, HandlesExtremesAndOneCrowdedBucket) {
  Records r;
  for (int i = 0; i < 500; ++i) r.emplace_back(std::uint64_t{0xFFFFFFFFFFFFFFFF} - static_cast<std::uint64_t>(i % 7), i);
  r.emplace_back(0, -1);  // the whole 64-bit span: the 500 others share one bucket
  expect_sorted_like_std(r);
}

}  // namespace
}  // namespace flamestream
