// Grouping's committed state: what a tick commits per key (the last w−1 items below its end) and
// that a state restored from it continues exactly as the original would have.
#include <gtest/gtest.h>

#include "grouping_support.h"
#include "model/errors.h"

namespace flamestream {
namespace {

using namespace testing_support;

std::vector<std::string> payload_texts(const std::vector<Item>& items) {
  std::vector<std::string> t;
  for (const Item& i : items) t.push_back(i.payload.to_text());
  return t;
}

TEST(GroupingSnapshot, CommitsTheLastWindowMinusOneItemsPerKeyBelowTheEnd) {
  for (std::size_t w = 1; w <= 4; ++w) {
    const GroupingOp op = parity_grouping(w);
    GroupingState state(op);
    feed(state, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    const auto committed = state.committed(8);  // items 1..7 are below the tick end
    std::vector<std::string> odd, even;
    for (const Item& i : committed) (i.payload.as_int() % 2 ? odd : even).push_back(i.payload.to_text());
    const std::vector<std::string> all_odd = {"1", "3", "5", "7"}, all_even = {"2", "4", "6"};
    EXPECT_EQ(odd, std::vector<std::string>(all_odd.end() - std::min<std::ptrdiff_t>(w - 1, 4), all_odd.end())) << w;
    EXPECT_EQ(even, std::vector<std::string>(all_even.end() - std::min<std::ptrdiff_t>(w - 1, 3), all_even.end())) << w;
  }
}

TEST(GroupingSnapshot, RestoredStateContinuesLikeTheOriginal) {
  const GroupingOp op = parity_grouping(3);
  GroupingState original(op);
  feed(original, {1, 2, 3, 4, 5, 6, 7});
  const auto committed = original.committed(8);

  GroupingState restored(op);
  restored.restore(committed, 8);
  GroupingState from_scratch(op);
  feed(from_scratch, {1, 2, 3, 4, 5, 6, 7});
  // Replay after the tick end, out of order: both must emit the same windows.
  EXPECT_EQ(texts(feed(restored, {10, 8, 9, 11})), texts(feed(from_scratch, {10, 8, 9, 11})));
  EXPECT_EQ(payload_texts(restored.committed(12)), payload_texts(from_scratch.committed(12)));
}

TEST(GroupingSnapshot, CommittedStateIsDeterministic) {
  const GroupingOp op = parity_grouping(2);
  GroupingState a(op), b(op);
  feed(a, {1, 2, 3, 4, 5, 6});
  feed(b, {2, 1, 4, 6, 3, 5});  // another arrival order, the same content
  EXPECT_EQ(payload_texts(a.committed(7)), payload_texts(b.committed(7)));
}

TEST(GroupingSnapshot, RestoreRejectsWhatNoCommitCouldHold) {
  const GroupingOp op = parity_grouping(2);
  GroupingState state(op);
  EXPECT_THROW(state.restore({int_item(9)}, 5), InternalError);  // at or above the tick end
  EXPECT_THROW(state.restore({int_item(3), int_item(1)}, 5), InternalError);  // out of order
}

}  // namespace
}  // namespace flamestream
