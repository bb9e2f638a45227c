// WorkerMetrics: counters add up over runs (a recovery starts its own counting from zero), gauges
// are the last run's, and the exposition reads back (label values escaped) as it was published.
#include "runtime/metrics/worker_metrics.h"

#include <gtest/gtest.h>

#include "runtime/metrics/metric_names.h"
#include "runtime/metrics/scrape.h"

namespace flamestream::metrics {
namespace {

WorkerSample sample(std::uint64_t front_in, std::uint64_t replays, std::uint64_t buffered) {
  WorkerSample s;
  s.replays = replays;
  s.sink_buffered = buffered;
  s.commit_seconds = 0.5;
  s.nodes = {{"in", "front", front_in, front_in}, {"count \"words\"", "grouping", 10 * front_in, 9 * front_in}};
  return s;
}

TEST(WorkerMetrics, CountersAddUpOverRunsAndGaugesAreTheLastRuns) {
  WorkerMetrics m("w\\1");
  m.begin_run(1, 0);
  m.publish(sample(100, 5, 40));
  m.publish(sample(300, 7, 30));  // a later publish of the same run replaces the earlier one
  m.begin_run(1, 1);              // a recovery: its counters start from zero
  m.publish(sample(20, 1, 3));
  const auto samples = parse_exposition(m.exposition());
  EXPECT_EQ(sum_of(samples, kItemsIn, {{"node", "in"}, {"op", "front"}, {"worker", "w\\1"}}), 320);
  EXPECT_EQ(sum_of(samples, kItemsOut, {{"node", "count \"words\""}}), 9 * 320);
  EXPECT_EQ(sum_of(samples, kReplays), 8);
  EXPECT_EQ(sum_of(samples, kCommitSeconds), 1.0);
  EXPECT_EQ(sum_of(samples, kRecoveries), 1);
  EXPECT_EQ(sum_of(samples, kSinkBuffered), 3);  // a gauge: the last run's
  EXPECT_EQ(sum_of(samples, kEpoch), 1);
}

TEST(WorkerMetrics, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
  WorkerMetrics m("w1");
  m.begin_run(1, 0);
  m.publish(sample(1, 0, 0));
  const std::string text = m.exposition();
  std::string family;
  std::size_t samples = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      EXPECT_EQ(line.substr(7, family.size()), family);
      continue;
    }
    ++samples;
    EXPECT_EQ(line.substr(0, family.size()), family) << line;
    EXPECT_EQ(line.rfind("flamestream_", 0), 0u) << line;
  }
  EXPECT_GT(samples, 20u);
}

}  // namespace
}  // namespace flamestream::metrics
