// The simulator against the reference executor: for every catalog graph, many seeds, worker counts
// and jitters, released output equals the in-order oracle line for line, and the barrier's safety
// checks (inside the simulator) never fire. Also: the checks do fire on a broken protocol.
#include <gtest/gtest.h>

#include "model/errors.h"
#include "runtime/simulator.h"
#include "tests/support/catalog_cases.h"

namespace flamestream {
namespace {

constexpr int kSeeds = 500;
constexpr std::size_t kWorkers[] = {1, 2, 3, 8};
constexpr Timestamp kJitters[] = {0, 2'000, 200'000};  // none, about one hop, a hundred hops

using test_support::input_lines;
using test_support::reference_output;
using test_support::render;

struct SimResult {
  std::vector<std::string> output;
  RunStats stats;
};

SimResult simulate_lines(const Job& job, const std::vector<std::string>& lines,
                         const SimConfig& config) {
  std::size_t next = 0;
  std::vector<Item> released;
  SimResult r;
  r.stats = simulate(
      job.graph, config,
      [&](NodeId) -> std::optional<Value> {
        if (next == lines.size()) return std::nullopt;
        return job.parse(lines[next++]);
      },
      [&](NodeId, const Item& item) { released.push_back(item); });
  r.output = render(job, released);
  return r;
}

SimConfig config_for(std::uint64_t seed, std::size_t workers, Timestamp jitter) {
  SimConfig c;
  c.workers = workers;
  c.seed = seed;
  c.jitter_ns = jitter;
  c.ack_flush_deltas = 1 + seed % 16;           // from flush-every-delta to real aggregation
  c.slot_width = seed % 3 == 0 ? 1'000 : 1;     // wide slots share an XOR across items
  c.scatter_forward = seed % 2 == 1;            // stateless hops cross workers too
  c.depth_first_local = seed % 4 < 2;           // or local outputs queue like remote ones
  return c;
}

class SimulatorMatchesReference : public testing::TestWithParam<std::string> {};

TEST_P(SimulatorMatchesReference, EverySeedWorkerCountAndJitter) {
  const Job job = make_job(GetParam());
  std::uint64_t replays = 0;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    const auto lines = input_lines(GetParam(), static_cast<std::uint64_t>(seed));
    const auto expected = reference_output(job, lines);
    for (std::size_t workers : kWorkers) {
      for (Timestamp jitter : kJitters) {
        const SimResult got = simulate_lines(job, lines, config_for(seed, workers, jitter));
        ASSERT_EQ(got.output, expected)
            << GetParam() << " seed " << seed << " workers " << workers << " jitter " << jitter;
        EXPECT_EQ(got.stats.items_released, expected.size());
        replays += got.stats.replays;
      }
    }
  }
  // Out-of-order arrival must actually have happened, or the test proves nothing about replay.
  if (GetParam() != "paper-grouping") {
    EXPECT_GT(replays, 0u) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(Catalog, SimulatorMatchesReference, test_support::catalog_graphs(),
                         test_support::graph_test_name);

TEST(Simulator, LongRunsWithTrimming) {
  // Long inputs let the minimal time advance many times mid-run, so buckets are trimmed while
  // replays are still landing in them.
  const Job job = make_job("wordcount");
  std::mt19937_64 rng(7);
  std::vector<std::string> lines;
  for (int i = 0; i < 400; ++i) lines.push_back(input_lines("wordcount", rng())[0]);
  const auto expected = reference_output(job, lines);
  for (int seed = 1; seed <= 6; ++seed) {
    SimConfig config = config_for(seed, 1 + seed % 4, seed % 2 ? 20'000 : 400'000);
    config.depth_first_local = false;  // as much disorder as the simulator can make
    config.scatter_forward = true;
    const SimResult got = simulate_lines(job, lines, config);
    ASSERT_EQ(got.output, expected) << "seed " << seed;
    EXPECT_GT(got.stats.replays, 0u);
    // Trimmed to the last w−1 = 1 item per key: the state is bounded by the live keys.
    EXPECT_GT(got.stats.grouping_keys, 0u);
    EXPECT_EQ(got.stats.grouping_entries, got.stats.grouping_keys);
  }
}

TEST(Simulator, SameSeedSameRun) {
  const Job job = make_job("wordcount");
  const auto lines = input_lines("wordcount", 42);
  const SimConfig config = config_for(42, 3, 200'000);
  const SimResult a = simulate_lines(job, lines, config);
  const SimResult b = simulate_lines(job, lines, config);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.stats.to_json(), b.stats.to_json());
}

TEST(Simulator, ReplayFilterNeedsTombstones) {
  // 5 and 2 share key 2 but cross different workers: the grouping sees them in either order, and
  // when 2 comes second the window (5) must be taken back although its replacement is dropped.
  const Job job = make_job("replay-filter");
  const std::vector<std::string> lines = {"5", "2", "8", "3", "11", "6"};
  const auto expected = reference_output(job, lines);
  for (int seed = 1; seed <= 200; ++seed)
    ASSERT_EQ(simulate_lines(job, lines, config_for(seed, 4, 50'000)).output, expected) << seed;
}

TEST(Simulator, BarrierChecksCatchReportsOvertakingRegistrations) {
  const Job job = make_job("wordcount");
  int caught = 0;
  for (int seed = 1; seed <= 50; ++seed) {
    SimConfig config = config_for(seed, 3, 200'000);
    config.reports_overtake_registrations = true;
    config.ack_flush_deltas = 64;
    try {
      simulate_lines(job, input_lines("wordcount", seed), config);
    } catch (const InternalError&) {
      ++caught;
    }
  }
  EXPECT_GT(caught, 0) << "a report overtaking registrations went unnoticed in every run";
}

}  // namespace
}  // namespace flamestream
