// Long lines on a cluster. A line over the limit, the client's (`ingest --max-line-mib`) or a
// worker's own (`worker --max-line-mib`, for a client that checks less), ends the input: ingest
// exits 2 naming the line, and tail prints exactly the counts of the lines before it. A long line
// within the limits, dealt to a front on one worker and split on others, is counted exactly.

#include "tests/cluster/cluster_fixture.h"

#include <random>

namespace flamestream::cluster_test {
namespace {

// One line of at least `bytes` bytes: words of a 300-word vocabulary, seeded.
std::string long_line(std::uint64_t seed, std::size_t bytes) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 300; ++i) {
    std::string word;
    for (std::size_t n = 2 + rng() % 8; n > 0; --n) word += static_cast<char>('a' + rng() % 26);
    vocabulary.push_back(word);
  }
  std::string line;
  while (line.size() < bytes) line += (line.empty() ? "" : " ") + vocabulary[rng() % vocabulary.size()];
  return line;
}

class LongLineTest : public ClusterTest {
 protected:
  // One worker, started with `worker_options`, runs word count over three short lines around a
  // 2 MiB one (line 3), ingested with `ingest_options`: the line is refused, the rest kept.
  void expect_refused(const std::vector<std::string>& worker_options,
                      const std::vector<std::string>& ingest_options) {
    const std::vector<Worker> workers = {start_worker("solo", worker_options)};
    const std::string node = submit_json(R"({"graph": "wordcount", "workers": ["solo"],
      "mapping": [{"worker": "solo", "from": 0, "to": 4294967295}],
      "fronts": {"in": "solo"}, "sinks": {"out": "solo"}, "acker": "solo"})");
    const fs::path input = dir_ / "over.txt";
    test_support::write_file(input, "one two\nthree one\n" + long_line(1, 2 << 20) + "\nafter it\n");
    Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
    std::vector<std::string> args = {"ingest", "--zk", zk_, "--front", "in", input.string()};
    args.insert(args.end(), ingest_options.begin(), ingest_options.end());
    Process& ingest = spawn("ingest", args);
    EXPECT_EQ(ingest.wait_for(60s), std::optional<int>(2)) << "ingest: " << ingest.read_stderr();
    EXPECT_NE(ingest.read_stderr().find("input line 3 is longer than the limit of 1 MiB"), std::string::npos)
        << ingest.read_stderr();
    EXPECT_EQ(tail.wait_for(60s), std::optional<int>(0)) << "tail: " << tail.read_stderr();
    EXPECT_EQ(tail.read_stdout(), "one\t1\ntwo\t1\nthree\t1\none\t2\n");
    for (const Worker& w : workers) EXPECT_TRUE(w.process->running()) << w.name;
  }
};

TEST_F(LongLineTest, ALineOverIngestsLimitEndsTheInputNamingItAndKeepsTheLinesBefore) {
  expect_refused({}, {"--max-line-mib", "1"});
}

TEST_F(LongLineTest, ALineOverTheWorkersLimitIsRefusedBackToIngestNamingIt) {
  expect_refused({"--max-line-mib", "1"}, {});
}

TEST_F(LongLineTest, ALongLineWithinTheLimitIsCountedExactly) {
  const fs::path input = dir_ / "long.txt";
  test_support::write_file(input, "a short line\n" + long_line(2, 1500000) + "\nanother short line\n");
  const std::string expected = reference_wordcount(input);
  ASSERT_GT(count_lines(expected), 200000u);
  const auto [workers, node] = start_example_tick();
  EXPECT_SAME_OUTPUT(ingest_and_tail(input, node, 3), expected, "tail --sink out");
  expect_status_done(workers, node);
}

}  // namespace
}  // namespace flamestream::cluster_test
