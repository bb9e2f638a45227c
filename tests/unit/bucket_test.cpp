// Bucket against std::deque as a model (random appends, inserts, erases and prefix drops), the
// amortised cost of dropping a prefix while entries keep arriving, and that an emptied bucket
// holds no entry.
#include "model/bucket.h"

#include <deque>
#include <random>

#include <gtest/gtest.h>

namespace flamestream {
namespace {

// Counts the entries alive and the moves made, the two things a lazy prefix drop could get wrong.
struct Counted {
  static inline int alive = 0;
  static inline long moves = 0;
  int value = 0;
  explicit Counted(int v) : value(v) { ++alive; }
  Counted(const Counted& o) : value(o.value) { ++alive; }
  Counted(Counted&& o) noexcept : value(o.value) {
    ++alive;
    ++moves;
  }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&& o) noexcept {
    value = o.value;
    ++moves;
    return *this;
  }
  ~Counted() { --alive; }
};

void expect_same(const Bucket<Counted>& bucket, const std::deque<int>& model) {
  ASSERT_EQ(bucket.size(), model.size());
  ASSERT_EQ(bucket.empty(), model.empty());
  for (std::size_t i = 0; i < model.size(); ++i) ASSERT_EQ(bucket[i].value, model[i]) << "at " << i;
  std::size_t i = 0;
  for (const Counted& c : bucket) ASSERT_EQ(c.value, model[i++]);
  if (!model.empty()) {
    EXPECT_EQ(bucket.front().value, model.front());
    EXPECT_EQ(bucket.back().value, model.back());
    EXPECT_EQ(bucket.data()->value, model.front());
  }
}

TEST(Bucket, BehavesLikeADequeUnderRandomOperations) {
  std::mt19937_64 rng(7);
  Bucket<Counted> bucket;
  std::deque<int> model;
  for (int step = 0; step < 20000; ++step) {
    const auto op = rng() % 10;
    const int v = static_cast<int>(rng() % 1000);
    if (op < 5) {
      bucket.emplace_back(v);
      model.push_back(v);
    } else if (op < 7 && !model.empty()) {
      const std::size_t at = rng() % (model.size() + 1);
      bucket.insert(bucket.begin() + static_cast<std::ptrdiff_t>(at), Counted(v));
      model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), v);
    } else if (op < 8 && !model.empty()) {
      const std::size_t at = rng() % model.size();
      bucket.erase(bucket.begin() + static_cast<std::ptrdiff_t>(at));
      model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
    } else if (!model.empty()) {
      const std::size_t n = rng() % (model.size() + 1);
      bucket.drop_front(n);
      model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(n));
    }
    expect_same(bucket, model);
    if (HasFatalFailure()) return;
  }
}

// A key with 200 live entries whose oldest become final one at a time: a plain vector would move
// all 200 per drop; the bucket moves each entry about once.
TEST(Bucket, DroppingThePrefixMovesEachEntryAboutOnce) {
  constexpr int kLive = 200;
  constexpr int kItems = 100000;
  Bucket<Counted> bucket;
  for (int i = 0; i < kLive; ++i) bucket.emplace_back(i);
  Counted::moves = 0;
  for (int i = kLive; i < kItems; ++i) {
    bucket.emplace_back(i);
    bucket.drop_front(1);
    ASSERT_EQ(bucket.size(), static_cast<std::size_t>(kLive));
    ASSERT_EQ(bucket.front().value, i - kLive + 1);
  }
  // One move per dropped entry, plus the vector's own regrowth while the capacity settles.
  EXPECT_LE(Counted::moves, 3L * kItems);
}

TEST(Bucket, AnEmptiedBucketHoldsNoEntry) {
  Counted::alive = 0;
  {
    Bucket<Counted> bucket;
    for (int i = 0; i < 10; ++i) bucket.emplace_back(i);
    bucket.drop_front(3);
    EXPECT_EQ(Counted::alive, 10) << "a short dropped prefix may stay until it is worth erasing";
    bucket.drop_front(4);
    EXPECT_EQ(Counted::alive, 3) << "a prefix longer than the rest is erased";
    bucket.drop_front(3);
    EXPECT_TRUE(bucket.empty());
    EXPECT_EQ(Counted::alive, 0) << "an empty bucket must release its entries' items";
    bucket.emplace_back(1);
    bucket.erase(bucket.begin());
    EXPECT_EQ(Counted::alive, 0);
  }
  EXPECT_EQ(Counted::alive, 0);
}

}  // namespace
}  // namespace flamestream
