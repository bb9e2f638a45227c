// Exactly-once under failures (issue: tick commits, snapshots, replayable fronts, recovery): word
// count over a million words on three real worker processes while workers are killed with SIGKILL
// and restarted, or ZooKeeper is stopped and started again. Whatever happens, `tail` prints
// exactly the reference output: no line twice, none missing, same order. A damaged snapshot stops
// the recovery with an error naming the file, never with wrong output.

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cluster/cluster_fixture.h"

namespace flamestream::cluster_test {
namespace {

constexpr std::size_t kWords = 1'000'000;

class RecoveryTest : public ClusterTest {
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

  struct Job {
    std::vector<Worker> workers;
    std::string node;
    std::string expected;
    Process* tail = nullptr;
    Process* ingest = nullptr;
  };

  // Starts the example tick and the job's ingest and tail; the reference output comes first.
  Job start_job(std::uint64_t seed) {
    const fs::path input = write_text(seed, kWords, 20000);
    Job job;
    job.expected = reference_wordcount(input);
    auto [workers, node] = start_example_tick();
    job.workers = std::move(workers);
    job.node = node;
    wait_until_running(job.workers, node);
    job.tail = &spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
    job.ingest = &spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", input.string()});
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

TEST_F(RecoveryTest, KillingTheSinksWorkerMidRunChangesNothingInTheOutput) {
  Job job = start_job(11);
  wait_for_output(*job.tail, job.expected.size() / 4);
  kill_worker(worker(job, "w2"));  // hosts the sink (graphs/ticks/wordcount-3.json)
  restart_worker(worker(job, "w2"));
  expect_exact_output(job);
  expect_status(1);
}

TEST_F(RecoveryTest, KillingTheAckersWorkerMidRunChangesNothingInTheOutput) {
  Job job = start_job(12);
  wait_for_output(*job.tail, job.expected.size() / 3);
  kill_worker(worker(job, "w3"));  // hosts the acker
  restart_worker(worker(job, "w3"));
  expect_exact_output(job);
  expect_status(1);
}

TEST_F(RecoveryTest, TwoKillsInOneRunChangeNothingInTheOutput) {
  Job job = start_job(13);
  wait_for_output(*job.tail, job.expected.size() / 5);
  kill_worker(worker(job, "w1"));  // hosts the front: acknowledged lines must survive in its log
  restart_worker(worker(job, "w1"));
  wait_for_output(*job.tail, job.expected.size() / 2);
  kill_worker(worker(job, "w2"));
  restart_worker(worker(job, "w2"));
  expect_exact_output(job);
  expect_status(2);
}

TEST_F(RecoveryTest, ZooKeeperStoppedAndStartedMidRunChangesNothingInTheOutput) {
  Job job = start_job(14);
  wait_for_output(*job.tail, job.expected.size() / 4);
  server_->stop();
  std::this_thread::sleep_for(2s);  // workers keep processing; commits wait
  server_->start();
  admin_ = ZkClient::connect(server_->connect_string(), 10s);
  expect_exact_output(job);
  // The workers' sessions outlive a short outage, so nothing needed recovering.
  expect_status(0);
}

TEST_F(RecoveryTest, ADamagedSnapshotStopsTheRecoveryWithAnErrorNamingItNeverWrongOutput) {
  Job job = start_job(15);
  wait_for_output(*job.tail, job.expected.size() / 4);
  // With w2 dead no further commit can complete: the record names the snapshots recovery will use.
  kill_worker(worker(job, "w2"));
  const auto record = commit_record(job.node);
  ASSERT_TRUE(record.contains("snapshots") && record["snapshots"].contains("w1")) << record.dump();
  const fs::path snapshot = record["snapshots"]["w1"].get<std::string>();
  {
    std::fstream f(snapshot, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f) << snapshot;
    f.seekg(-1, std::ios::end);
    const char last = static_cast<char>(f.get());
    f.seekp(-1, std::ios::end);
    f.put(static_cast<char>(last ^ 0x20));
  }
  restart_worker(worker(job, "w2"));
  Worker& w1 = worker(job, "w1");
  const auto status = w1.process->wait_for(60s);
  ASSERT_TRUE(status.has_value()) << "w1 did not stop on its damaged snapshot: " << w1.process->read_stderr();
  EXPECT_NE(*status, 0);
  const std::string err = w1.process->read_stderr();
  EXPECT_NE(err.find("fails its checksum"), std::string::npos) << err;
  EXPECT_NE(err.find(snapshot.string()), std::string::npos) << err;
  // Whatever tail printed is a prefix of the right output: nothing wrong was released.
  job.tail->stop();
  const std::string printed = job.tail->read_stdout();
  EXPECT_EQ(job.expected.compare(0, printed.size(), printed), 0) << first_difference(printed, job.expected);
}

}  // namespace
}  // namespace flamestream::cluster_test
