// The fixture of the fault and rescale tests: a word-count job over a million words on real
// worker processes, with helpers to kill (SIGKILL), restart and wait on workers, and to read the
// job's commit record straight from ZooKeeper.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cluster/cluster_fixture.h"

namespace flamestream::cluster_test {

inline constexpr std::size_t kWords = 1'000'000;

class FaultTest : public ClusterTest {
 protected:
  // The raw registration of `name` (endpoint and incarnation), empty if it is not registered.
  std::string registration(const std::string& name) {
    try {
      return admin_->get(root_ + "/flamestream/workers/" + name).value_or("");
    } catch (const ZkError&) {
      return {};
    }
  }

  // SIGKILL: no goodbye, no flushing, the ephemeral registration stays until its session expires.
  void kill_worker(Worker& w) {
    ::kill(w.process->pid(), SIGKILL);
    ASSERT_TRUE(w.process->wait_for(10s).has_value()) << w.name << " survived SIGKILL";
  }

  // Starts `w` again: same name, port and data dir; waits until the new process registered.
  void restart_worker(Worker& w) {
    const std::string before = registration(w.name);
    static int restarts = 0;
    w.process = &spawn(w.name + "-restart-" + std::to_string(++restarts),
                       {"worker", "--zk", zk_, "--name", w.name, "--listen", w.endpoint, "--data-dir",
                        (dir_ / (w.name + "-data")).string()});
    const auto deadline = Clock::now() + 30s;
    for (;;) {
      const std::string now = registration(w.name);
      if (!now.empty() && now != before) return;
      ASSERT_TRUE(w.process->running()) << w.name << " restart failed: " << w.process->read_stderr();
      ASSERT_LT(Clock::now(), deadline) << w.name << " did not register again within 30 s";
      std::this_thread::sleep_for(50ms);
    }
  }

  // Waits until `tail` printed at least `bytes` bytes (the job is under way).
  void wait_for_output(const Process& tail, std::uintmax_t bytes) {
    const auto deadline = Clock::now() + 120s;
    std::error_code ec;
    while (fs::file_size(tail.stdout_path(), ec) < bytes || ec) {
      ASSERT_LT(Clock::now(), deadline) << "tail printed less than " << bytes << " bytes in 120 s";
      std::this_thread::sleep_for(20ms);
    }
  }

  // The job's commit record, read directly from ZooKeeper.
  nlohmann::json commit_record(const std::string& node) {
    return nlohmann::json::parse(admin_->get(root_ + "/flamestream/commits/" + node).value_or("{}"));
  }

  // The input is paced so that the job runs for about nine seconds: failures and rescales the tests
  // trigger at a share of the output then land while it runs (unpaced, the job can finish before
  // the tail has a quarter of the output).
  static constexpr int kIngestLinesPerSecond = 10000;

  struct Job {
    std::vector<Worker> workers;
    std::string node;
    std::string expected;
    Process* tail = nullptr;
    Process* ingest = nullptr;
  };

  // Starts `names` and submits `tick_json` (default: the example tick over w1, w2, w3), then the
  // job's ingest and tail; the reference output comes first. `running`: the workers the tick names.
  Job start_job(std::uint64_t seed, const std::vector<std::string>& names = {"w1", "w2", "w3"},
                const std::string& tick_json = {}, std::vector<std::string> running = {}) {
    const fs::path input = write_text(seed, kWords, 20000);
    Job job;
    job.expected = reference_wordcount(input);
    job.workers = start_workers(names);
    job.node = tick_json.empty() ? submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json")
                                 : submit_json(tick_json);
    if (running.empty()) running = names;
    std::vector<Worker> named;
    for (const Worker& w : job.workers)
      if (std::count(running.begin(), running.end(), w.name) > 0) named.push_back(w);
    wait_until_running(named, job.node);
    job.tail = &spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
    job.ingest = &spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", "--rate",
                                   std::to_string(kIngestLinesPerSecond), input.string()});
    return job;
  }

  // Both clients finish, and tail printed exactly the reference output.
  void expect_exact_output(Job& job) {
    const auto ingest_status = job.ingest->wait_for(240s);
    EXPECT_EQ(ingest_status, std::optional<int>(0)) << "ingest: " << job.ingest->read_stderr();
    const auto tail_status = job.tail->wait_for(240s);
    EXPECT_EQ(tail_status, std::optional<int>(0)) << "tail: " << job.tail->read_stderr();
    EXPECT_SAME_OUTPUT(job.tail->read_stdout(), job.expected, "tail --sink out");
  }

  // `status` reports the job committed to the end, after `recoveries` recoveries.
  void expect_status(std::uint64_t recoveries) {
    const std::string out = poll_status([&](const std::string& s) {
      return s.find("inputs before infinity") != std::string::npos;
    }, 10s);
    EXPECT_NE(out.find("last committed tick: #"), std::string::npos) << out;
    EXPECT_NE(out.find("inputs before infinity"), std::string::npos) << out;
    EXPECT_NE(out.find("recoveries: " + std::to_string(recoveries) + "\n"), std::string::npos) << out;
  }

  Worker& worker(Job& job, const std::string& name) {
    for (Worker& w : job.workers)
      if (w.name == name) return w;
    throw std::runtime_error("no worker " + name);
  }
};

}  // namespace flamestream::cluster_test
