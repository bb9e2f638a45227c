// A job library on a three-worker cluster (real ZooKeeper, worker processes): the sessions example,
// installed and built out of tree, submitted with --job; a worker killed with -9 mid-run and
// restarted fetches the library again and the output is exactly the awk reference; the job
// rescales from two workers to three while running. A job function that throws stops the tick,
// named in status and the worker's log, and nothing after its item is released. A library the
// loader refuses changes nothing in ZooKeeper.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "tests/cluster/fault_fixture.h"

namespace flamestream::cluster_test {
namespace {

// What build_example.sh printed: the example library, built once for the suite.
struct Example {
  std::string pkg_config_path, binary, library, error;
};

std::string run_capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  if (::pclose(pipe) != 0) out.clear();
  return out;
}

const Example& example(const std::string& source_root, const fs::path& dir) {
  static const Example built = [&] {
    Example e;
    const std::string build = env_or_empty("FLAMESTREAM_BUILD_ROOT");
    std::istringstream lines(run_capture("bash " + source_root + "/tests/jobs/build_example.sh " + build +
                                         " " + source_root + " " + dir.string() + " 2>/dev/null"));
    std::getline(lines, e.pkg_config_path);
    std::getline(lines, e.binary);
    std::getline(lines, e.library);
    if (e.library.empty() || !fs::exists(e.library)) e.error = "tests/jobs/build_example.sh failed";
    return e;
  }();
  return built;
}

class JobClusterTest : public FaultTest {
 protected:
  const Example& built() {
    const Example& e = example(source_root_, suite_dir_ / "example");
    EXPECT_TRUE(e.error.empty()) << e.error;
    return e;
  }

  // Clicks of 40 users on 25 pages, times increasing.
  fs::path write_clicks(std::uint64_t seed, std::size_t count) {
    SplitMix64 rng{seed};
    std::string text;
    std::uint64_t t = 0;
    for (std::size_t i = 0; i < count; ++i) {
      t += rng.below(5);
      text += "u" + std::to_string(rng.below(40)) + " " + std::to_string(t) + " p" +
              std::to_string(rng.below(25)) + "\n";
    }
    const fs::path input = dir_ / "clicks.txt";
    test_support::write_file(input, text);
    return input;
  }

  std::string reference(const fs::path& clicks) {
    return run_capture("awk -v gap=12 -f " + source_root_ + "/tests/jobs/sessions_reference.awk " +
                       clicks.string());
  }

  // Starts `names`, submits the sessions library with `tick_json`, then the job's tail and ingest.
  Job start_sessions(const std::vector<std::string>& names, const std::string& tick_json) {
    const Example& e = built();
    const fs::path clicks = write_clicks(21, 80'000);
    Job job;
    job.expected = reference(clicks);
    EXPECT_EQ(count_lines(job.expected), 160'000u);
    job.workers = start_workers(names);
    const fs::path tick = dir_ / "tick.json";
    test_support::write_file(tick, tick_json);
    const RunResult submitted = flamestream({"submit", "--zk", zk_, "--job", e.library, tick.string()});
    EXPECT_EQ(submitted.status, 0) << submitted.err;
    job.node = submitted_node(submitted);
    EXPECT_EQ(stored_jobs().size(), 1u);
    wait_until_running(job.workers, job.node);
    job.tail = &spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
    job.ingest = &spawn("ingest", {"ingest", "--zk", zk_, "--front", "clicks", "--rate",
                                   std::to_string(kIngestLinesPerSecond), clicks.string()});
    return job;
  }

  std::vector<std::string> stored_jobs() {
    try {
      return admin_->children(root_ + "/flamestream/jobs");
    } catch (const ZkError&) {
      return {};
    }
  }
};

TEST_F(JobClusterTest, ALibraryJobSurvivesAWorkerKilledMidRunAndItsOutputIsExact) {
  ASSERT_TRUE(built().error.empty());
  Job job = start_sessions({"w1", "w2", "w3"}, R"({"graph": "sessions", "params": {"gap": "12"}})");
  wait_for_output(*job.tail, job.expected.size() / 4);
  Worker& w2 = worker(job, "w2");
  kill_worker(w2);
  fs::remove_all(dir_ / "w2-data" / "jobs");  // the restarted worker must fetch it again
  restart_worker(w2);
  expect_exact_output(job);
  expect_status(1);
  const std::string cached = (dir_ / "w2-data" / "jobs" / (stored_jobs().at(0) + ".so")).string();
  EXPECT_TRUE(fs::exists(cached)) << cached;
}

TEST_F(JobClusterTest, ALibraryJobRescalesFromTwoWorkersToThreeWhileRunning) {
  ASSERT_TRUE(built().error.empty());
  Job job = start_sessions({"w1", "w2"}, R"({"graph": "sessions", "params": {"gap": "12"},
      "workers": ["w1", "w2"], "fronts": {"clicks": "w1"}, "sinks": {"out": "w2"}})");
  wait_for_output(*job.tail, job.expected.size() / 5);
  job.workers.push_back(start_worker("w3"));
  const RunResult r = flamestream({"rescale", "--zk", zk_, "--workers", "w1,w2,w3"});
  ASSERT_EQ(r.status, 0) << r.err;
  wait_until_running(job.workers, submitted_node(r));
  expect_exact_output(job);
  EXPECT_TRUE(fs::exists(dir_ / "w3-data" / "jobs" / (stored_jobs().at(0) + ".so")));
}

TEST_F(JobClusterTest, AJobFunctionThatThrowsStopsTheTickNamingJobGraphAndOperation) {
  const Example& e = built();
  ASSERT_TRUE(e.error.empty());
  const std::string library = (dir_ / "throws.so").string();
  ASSERT_EQ(std::system(("PKG_CONFIG_PATH=" + e.pkg_config_path + " c++ -std=c++20 -shared -fPIC -DTHROWS " +
                         source_root_ + "/tests/jobs/bad_job.cpp -o " + library +
                         " $(PKG_CONFIG_PATH=" + e.pkg_config_path + " pkg-config --cflags --libs flamestream)")
                            .c_str()),
            0);
  std::vector<Worker> workers = start_workers({"w1", "w2", "w3"});
  const fs::path tick = dir_ / "tick.json";
  test_support::write_file(tick, R"({"graph": "throws", "fronts": {"in": "w1"}, "sinks": {"out": "w2"}})");
  const RunResult submitted = flamestream({"submit", "--zk", zk_, "--job", library, tick.string()});
  ASSERT_EQ(submitted.status, 0) << submitted.err;
  const std::string node = submitted_node(submitted);
  wait_until_running(workers, node);
  const fs::path input = dir_ / "lines.txt";
  test_support::write_file(input, "a\nb\nboom\nc\n");
  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", input.string()});
  const std::string status = poll_status([](const std::string& s) {
    return s.find("failed: ") != std::string::npos;
  }, 30s);
  const std::string failure = "failed: job 'throwing-job' (";
  EXPECT_NE(status.find(failure), std::string::npos) << status;
  EXPECT_NE(status.find("graph 'throws', on w"), std::string::npos) << status;
  EXPECT_NE(status.find("operation 'explode' (map) threw: boom line"), std::string::npos) << status;
  std::string logs;
  for (const Worker& w : workers) logs += w.process->read_stderr();
  EXPECT_NE(logs.find(node + " failed: job 'throwing-job'"), std::string::npos) << logs;
  // The tail does not wait for lines that will never come: it ends, naming the failure.
  EXPECT_EQ(tail.wait_for(10s), std::optional<int>(2)) << tail.read_stderr();
  EXPECT_NE(tail.read_stderr().find(node + " failed: job 'throwing-job'"), std::string::npos) << tail.read_stderr();
  const std::string released = tail.read_stdout();
  EXPECT_EQ(released.find('c'), std::string::npos) << "released after the failing item:\n" << released;
  EXPECT_EQ(released.find("boom"), std::string::npos) << released;
}

TEST_F(JobClusterTest, ANewVersionOfAJobRunsNextToTheOldOneOnTheSameWorkers) {
  const Example& e = built();
  ASSERT_TRUE(e.error.empty());
  std::vector<Worker> workers = start_workers({"w1", "w2"});
  const fs::path tick = dir_ / "tick.json";
  test_support::write_file(tick, R"({"graph": "sessions", "params": {"gap": "12"}})");
  const RunResult first = flamestream({"submit", "--zk", zk_, "--job", e.library, tick.string()});
  ASSERT_EQ(first.status, 0) << first.err;
  wait_until_running(workers, submitted_node(first));
  // Other bytes (another hash), the same graph names: a rebuilt job.
  const fs::path second_library = dir_ / "libsessions-2.so";
  fs::copy_file(e.library, second_library);
  std::ofstream(second_library, std::ios::app) << "another build";
  const RunResult second = flamestream({"submit", "--zk", zk_, "--job", second_library.string(), tick.string()});
  ASSERT_EQ(second.status, 0) << second.err;
  const std::string node = submitted_node(second);
  wait_until_running(workers, node);
  EXPECT_EQ(stored_jobs().size(), 2u);
  const fs::path clicks = write_clicks(5, 2000);
  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "clicks", clicks.string()});
  EXPECT_EQ(ingest.wait_for(60s), std::optional<int>(0)) << ingest.read_stderr();
  EXPECT_EQ(tail.wait_for(60s), std::optional<int>(0)) << tail.read_stderr();
  EXPECT_SAME_OUTPUT(tail.read_stdout(), reference(clicks), "the second version's tail");
}

TEST_F(JobClusterTest, ARefusedLibraryExitsTwoAndChangesNothingInTheCluster) {
  const Example& e = built();
  ASSERT_TRUE(e.error.empty());
  start_workers({"w1"});
  const fs::path tick = dir_ / "tick.json";
  test_support::write_file(tick, R"({"graph": "sessions"})");
  const fs::path text = dir_ / "text.so";
  test_support::write_file(text, "not a library\n");
  const RunResult refused = flamestream({"submit", "--zk", zk_, "--job", text.string(), tick.string()});
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_NE(refused.err.find(text.string() + ": not a shared library"), std::string::npos) << refused.err;
  const fs::path wrong = dir_ / "wrong-graph.json";
  test_support::write_file(wrong, R"({"graph": "no-such-graph"})");
  const RunResult unknown = flamestream({"submit", "--zk", zk_, "--job", e.library, wrong.string()});
  EXPECT_EQ(unknown.status, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("unknown graph 'no-such-graph'"), std::string::npos) << unknown.err;
  EXPECT_TRUE(tick_nodes().empty());
  EXPECT_TRUE(stored_jobs().empty());
}

}  // namespace
}  // namespace flamestream::cluster_test
