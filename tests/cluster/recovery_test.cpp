// Exactly-once under failures (issue: tick commits, snapshots, replayable fronts, recovery): word
// count over a million words on three real worker processes while workers are killed with SIGKILL
// and restarted, or ZooKeeper is stopped and started again. Whatever happens, `tail` prints
// exactly the reference output: no line twice, none missing, same order. A damaged snapshot stops
// the recovery with an error naming the file, never with wrong output.

#include "tests/cluster/fault_fixture.h"

#include <csignal>
#include <zmq.hpp>

namespace flamestream::cluster_test {
namespace {

using RecoveryTest = FaultTest;

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

// A front and a sink instance on every worker: ingest deals its input out over the three fronts,
// tail merges the three sinks' outputs, and a killed worker recovers its front's ingestion log and
// its sink's output log while the others go on; the output is the reference's, in the input's order.
TEST_F(RecoveryTest, KillingWorkersWithAFrontAndASinkOnEveryWorkerChangesNothingInTheOutput) {
  const std::string tick = R"({"graph": "wordcount", "workers": ["w1", "w2", "w3"],
                               "fronts": {"in": "*"}, "sinks": {"out": "*"}, "acker": "w3"})";
  Job job = start_job(17, {"w1", "w2", "w3"}, tick);
  wait_for_output(*job.tail, job.expected.size() / 5);
  kill_worker(worker(job, "w1"));  // a front and a sink instance
  restart_worker(worker(job, "w1"));
  wait_for_output(*job.tail, job.expected.size() / 2);
  kill_worker(worker(job, "w3"));  // a front and a sink instance, and the acker
  restart_worker(worker(job, "w3"));
  expect_exact_output(job);
  expect_status(2);
}

// After the end the output lives on in the sink's output log: a worker restarted then has no part
// left to run, but it still serves a tail that comes for the output.
// A worker stalled longer than its ZooKeeper session (SIGSTOP: a swap storm, a paused VM) finds
// its session expired when it resumes: it rejoins by itself with a new session, the job recovers
// with it, and the output is exact — nobody restarts anything.
TEST_F(RecoveryTest, AWorkerStalledPastItsSessionRejoinsByItselfAndTheOutputStaysExact) {
  Job job = start_job(16);
  wait_for_output(*job.tail, job.expected.size() / 4);
  Worker& w2 = worker(job, "w2");
  const std::string before = registration("w2");
  ::kill(w2.process->pid(), SIGSTOP);
  // The session (4 s) expires on the server while the process cannot answer.
  const auto deadline = Clock::now() + 30s;
  while (registration("w2") == before && Clock::now() < deadline) std::this_thread::sleep_for(100ms);
  ::kill(w2.process->pid(), SIGCONT);
  ASSERT_NE(registration("w2"), before) << "the stalled worker's registration never expired";
  expect_exact_output(job);
  EXPECT_TRUE(w2.process->running()) << "the stalled worker exited: " << w2.process->read_stderr();
  EXPECT_NE(w2.process->read_stderr().find("rejoining with a new session"), std::string::npos)
      << w2.process->read_stderr();
  EXPECT_FALSE(registration("w2").empty()) << "the stalled worker did not register again";
}

// A message from a peer of the run that cannot be decoded lost what it carried: the worker that got
// it starts the next recovery epoch itself (nobody died), and the output is exact. The same bytes
// from a connection that is not a peer of the run are dropped and change nothing.
TEST_F(RecoveryTest, AnUndecodablePageFromAPeerStartsARecoveryAndTheOutputStaysExact) {
  Job job = start_job(17);
  wait_for_output(*job.tail, job.expected.size() / 4);
  const std::uint64_t tick = std::stoull(job.node.substr(std::string("tick-").size()));
  const auto epoch = commit_record(job.node).value("epoch", std::uint64_t{0});
  zmq::context_t context;
  const std::string garbage(48, '\x5a');
  for (const std::string& identity : {std::string("a-client"), "peer/" + std::to_string(tick) + "/" + std::to_string(epoch) + "/0/1"}) {
    zmq::socket_t forger(context, zmq::socket_type::dealer);
    forger.set(zmq::sockopt::linger, 1000);
    forger.set(zmq::sockopt::routing_id, identity);
    secure_client(forger, &*key_);  // a holder of the key: what an unauthenticated one does is in auth_test.cpp
    forger.connect(worker(job, "w2").endpoint);
    forger.send(zmq::buffer(garbage), zmq::send_flags::none);
    if (identity == "a-client") {
      std::this_thread::sleep_for(1s);
      EXPECT_EQ(commit_record(job.node).value("epoch", std::uint64_t{0}), epoch) << "a stranger's garbage started a recovery";
    }
  }
  expect_exact_output(job);
  EXPECT_GT(commit_record(job.node).value("epoch", std::uint64_t{0}), epoch);
  EXPECT_NE(worker(job, "w2").process->read_stderr().find("started here: a peer's message could not be decoded"),
            std::string::npos)
      << worker(job, "w2").process->read_stderr();
  for (const Worker& w : job.workers) EXPECT_TRUE(w.process->running()) << w.name;
}

TEST_F(RecoveryTest, TheSinksWorkerRestartedAfterTheEndStillServesTheWholeOutput) {
  Job job = start_job(16);
  expect_exact_output(job);
  for (auto deadline = Clock::now() + 30s; commit_record(job.node).value("committed", 0.0) < 1.8e19;) {
    ASSERT_LT(Clock::now(), deadline) << "the last commit was not recorded: " << commit_record(job.node).dump();
    std::this_thread::sleep_for(100ms);
  }
  kill_worker(worker(job, "w2"));
  restart_worker(worker(job, "w2"));
  Process& again = spawn("tail-after-restart", {"tail", "--zk", zk_, "--sink", "out"});
  EXPECT_EQ(again.wait_for(120s), std::optional<int>(0)) << again.read_stderr();
  EXPECT_SAME_OUTPUT(again.read_stdout(), job.expected, "tail after the restart");
  EXPECT_NE(worker(job, "w2").process->read_stderr().find("nothing to run"), std::string::npos);
}

TEST_F(RecoveryTest, ZooKeeperStoppedAndStartedMidRunChangesNothingInTheOutput) {
  Job job = start_job(14);
  wait_for_output(*job.tail, job.expected.size() / 4);
  server_->stop();
  std::this_thread::sleep_for(2s);  // workers keep processing; commits wait
  server_->start();
  connect_admin();
  expect_exact_output(job);
  // The workers' sessions outlive a short outage, so nothing needed recovering.
  expect_status(0);
}

TEST_F(RecoveryTest, ADamagedSnapshotStopsTheRecoveryWithAnErrorNamingItNeverWrongOutput) {
  Job job = start_job(15);
  wait_for_output(*job.tail, job.expected.size() / 4);
  // With w2 dead no new commit can complete: the record names the snapshots recovery will use.
  kill_worker(worker(job, "w2"));
  // A commit w2 acknowledged before it died may still be recorded (the acker's host writes it
  // within ~100 ms); none after it. Wait until the record is still.
  auto record = commit_record(job.node);
  for (auto again = record;; record = again) {
    std::this_thread::sleep_for(1s);
    again = commit_record(job.node);
    if (again == record) break;
  }
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
