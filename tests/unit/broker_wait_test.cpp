// BrokerWait, the wait for a Kafka broker every client of ours shares: the pause grows from 0.1 s
// by doubling, the first failure is said once, a limit is never slept past, and `quit` ends it.
#include "runtime/kafka/broker_wait.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

namespace flamestream {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

TEST(BrokerWait, ThePauseDoublesFromATenthOfASecond) {
  BrokerWait wait;
  EXPECT_FALSE(wait.failed());
  for (const int expected : {100, 200, 400}) {
    const auto start = Clock::now();
    EXPECT_TRUE(wait.again("down"));
    const auto took = since(start);
    EXPECT_GE(took, milliseconds(expected));
    EXPECT_LT(took, milliseconds(expected + 400)) << "the pause after " << expected / 2 << " ms";
  }
  EXPECT_TRUE(wait.failed());
  EXPECT_EQ(wait.try_ms(2000), 2000);  // no limit: the try's own cap
}

TEST(BrokerWait, SaysTheFirstFailureOnceOnStderr) {
  BrokerWait wait(milliseconds(250));
  testing::internal::CaptureStderr();
  while (wait.again("kafka away")) {
  }
  const std::string said = testing::internal::GetCapturedStderr();
  EXPECT_EQ(said, "kafka away\n");
}

TEST(BrokerWait, GivesUpAtItsLimitWithoutSleepingPastIt) {
  const auto start = Clock::now();
  BrokerWait wait(milliseconds(500));
  testing::internal::CaptureStderr();
  int tries = 0;
  do {
    ++tries;
    EXPECT_LE(wait.try_ms(2000), 500);
    EXPECT_GE(wait.try_ms(2000), 1);  // librdkafka reads 0 as "do not wait"
  } while (wait.again("away"));
  testing::internal::GetCapturedStderr();
  const auto took = since(start);
  EXPECT_GE(took, milliseconds(500));
  EXPECT_LT(took, milliseconds(800));  // a loaded machine oversleeps a little, never a whole pause
  // Pauses of 100 and 200 ms, then 200 of the 400: the limit (fewer tries only if sleeps overran).
  EXPECT_GE(tries, 2);
  EXPECT_LE(tries, 3);
  EXPECT_FALSE(wait.again("away")) << "a wait past its limit pauses again";
  EXPECT_NE(wait.retrying().find("for up to 1 s"), std::string::npos) << wait.retrying();
  EXPECT_NE(BrokerWait().retrying().find("until one answers"), std::string::npos);
}

TEST(BrokerWait, QuitEndsAPauseEarly) {
  std::atomic<bool> quit{false};
  BrokerWait wait({}, [&] { return quit.load(); });
  testing::internal::CaptureStderr();
  EXPECT_TRUE(wait.again("away"));  // 100 ms
  EXPECT_TRUE(wait.again("away"));  // 200 ms
  quit = true;
  const auto start = Clock::now();
  EXPECT_FALSE(wait.again("away"));
  testing::internal::GetCapturedStderr();
  EXPECT_LT(since(start), milliseconds(200));  // not the 400 ms pause due
}

}  // namespace
}  // namespace flamestream
