// The word-count benchmark's release check: every kind of wrong output is counted, right ones are not.
#include "experiments/wordcount/release_check.h"

#include <sstream>

#include <gtest/gtest.h>

namespace wordcount_bench {
namespace {

// "a b a c a": a at inputs 0, 2, 4; b at 1; c at 3.
Input sample() {
  Input in;
  in.vocab = {"a", "b", "c"};
  in.ids = {0, 1, 0, 2, 0};
  return in;
}

TEST(ReleaseCheck, InOrderReleasesAreAttributedToTheirInputs) {
  const Input in = sample();
  ReleaseCheck check(in);
  const std::pair<const char*, int> releases[] = {{"a", 1}, {"b", 1}, {"a", 2}, {"c", 1}, {"a", 3}};
  std::int64_t now = 100;
  for (const auto& [word, count] : releases) {
    ++now;
    check.record(word, count, now, now - 10);
  }
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(check.released_at(i), 101 + static_cast<std::int64_t>(i));
    EXPECT_EQ(check.engine_latency(i), 10);
  }
  EXPECT_EQ(check.bad_outputs() + check.duplicates() + check.sequence_violations() + check.order_violations(), 0u);
  std::ostringstream counts;
  check.write_counts(counts);
  EXPECT_EQ(counts.str(), "a\t3\t3\nb\t1\t1\nc\t1\t1\n");
}

TEST(ReleaseCheck, OutOfOrderReleasesAreAttributedAndCounted) {
  const Input in = sample();
  ReleaseCheck check(in);
  check.record("b", 1, 5, -1);  // input 1 before input 0
  check.record("a", 1, 6, -1);  // input 0: an order violation
  EXPECT_EQ(check.released_at(1), 5);
  EXPECT_EQ(check.released_at(0), 6);
  EXPECT_EQ(check.engine_latency(0), -1);
  EXPECT_EQ(check.order_violations(), 1u);
  check.record("a", 3, 7, -1);  // skips a's second count
  EXPECT_EQ(check.released_at(4), 7);
  EXPECT_EQ(check.sequence_violations(), 1u);
}

TEST(ReleaseCheck, DuplicatesUnknownWordsAndImpossibleCountsAreCounted) {
  const Input in = sample();
  ReleaseCheck check(in);
  check.record("a", 1, 1, -1);
  check.record("a", 1, 2, -1);
  EXPECT_EQ(check.duplicates(), 1u);
  EXPECT_EQ(check.released_at(0), 1);  // the first release stands
  check.record("z", 1, 3, -1);
  check.record("b", 2, 3, -1);
  check.record("c", 0, 3, -1);
  check.record_malformed();
  EXPECT_EQ(check.bad_outputs(), 4u);
  EXPECT_EQ(check.released_at(1), 0);
}

}  // namespace
}  // namespace wordcount_bench
