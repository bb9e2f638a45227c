// Live re-partitioning (issue: a new tick moves key ranges and their state between workers,
// without a restart): word count over a million words, rescaled from 2 workers to 3 and back while
// it runs, with the removed worker stopped afterwards — and once more with a worker killed during
// the hand-off. The output is exactly the reference; bad rescale ticks change nothing.

#include "tests/cluster/fault_fixture.h"

namespace flamestream::cluster_test {
namespace {

constexpr const char* kTwoWorkers =
    R"({"graph": "wordcount", "workers": ["w1", "w2"], "fronts": {"in": "w1"}, "sinks": {"out": "w2"}})";

class RescaleTest : public FaultTest {
 protected:
  // `flamestream rescale` onto `workers`; returns the new tick's node.
  std::string rescale(const std::string& workers) {
    const RunResult r = flamestream({"rescale", "--zk", zk_, "--workers", workers});
    EXPECT_EQ(r.status, 0) << r.err;
    return submitted_node(r);
  }

  // Waits until `node`'s own commit landed: workers it left out are no longer needed.
  void wait_until_committed_itself(const std::string& node) {
    const auto deadline = Clock::now() + 60s;
    for (;;) {
      const auto record = commit_record(node);
      if (record.value("commits", 0) > 0 && record.value("state_tick", std::string("x")).empty()) return;
      ASSERT_LT(Clock::now(), deadline) << node << " did not commit within 60 s: " << record.dump();
      std::this_thread::sleep_for(50ms);
    }
  }
};

TEST_F(RescaleTest, TwoToThreeAndBackWhileRunningKeepsTheOutputExactWithoutARecovery) {
  Job job = start_job(21, {"w1", "w2"}, kTwoWorkers);
  wait_for_output(*job.tail, job.expected.size() / 5);
  job.workers.push_back(start_worker("w3"));  // a new machine joins mid-run
  const std::string three = rescale("w1,w2,w3");
  wait_until_running(job.workers, three);
  wait_for_output(*job.tail, job.expected.size() / 2);
  const std::string two = rescale("w1,w2");
  wait_until_committed_itself(two);
  // w3 holds nothing the job needs now: stopping it triggers no recovery.
  Worker& w3 = worker(job, "w3");
  ::kill(w3.process->pid(), SIGTERM);
  EXPECT_EQ(w3.process->wait_for(10s), std::optional<int>(0)) << w3.process->read_stderr();
  expect_exact_output(job);
  const std::string status = poll_status([&](const std::string& s) {
    return s.find("inputs before infinity") != std::string::npos;
  }, 10s);
  EXPECT_NE(status.find("continues " + job.node + " (live rescale): switched at"), std::string::npos) << status;
  EXPECT_NE(status.find("continues " + three + " (live rescale): switched at"), std::string::npos) << status;
  std::size_t no_recovery = 0;
  for (auto at = status.find("recoveries: 0\n"); at != std::string::npos; at = status.find("recoveries: 0\n", at + 1))
    ++no_recovery;
  EXPECT_EQ(no_recovery, 3u) << "every tick of the job should show 'recoveries: 0':\n" << status;
  EXPECT_NE(status.find("mapping: w1 0..1431655764 w2 1431655765..2863311529 w3 2863311530..4294967295"),
            std::string::npos) << status;
}

TEST_F(RescaleTest, AKillDuringTheHandOffStillYieldsTheExactOutput) {
  Job job = start_job(22, {"w1", "w2", "w3"}, kTwoWorkers, {"w1", "w2"});
  wait_for_output(*job.tail, job.expected.size() / 4);
  rescale("w1,w2,w3");
  kill_worker(worker(job, "w2"));  // the sink's worker, while state changes hands
  restart_worker(worker(job, "w2"));
  expect_exact_output(job);
}

TEST_F(RescaleTest, BadRescalesExit2NamingTheProblemAndLeaveTheRunningTickAlone) {
  start_workers({"w1", "w2"});
  const std::string running = submit_json(kTwoWorkers);
  const auto ticks_before = tick_nodes();
  struct Case {
    std::vector<std::string> args;
    std::string stdin_text, names;
  };
  const std::vector<Case> cases = {
      {{"rescale", "--zk", zk_, "--workers", "w1,w2,w9"}, "", "w9"},
      {{"rescale", "--zk", zk_, "--workers", "w2"}, "", "in"},  // the front's worker left out
      {{"submit", "--zk", zk_, "-"},
       R"({"graph": "wordcount", "workers": ["w1", "w2"], "fronts": {"in": "w1"}, "sinks": {"out": "w2"},
           "continues": "running", "mapping": [{"worker": "w1", "from": 0, "to": 99}, {"worker": "w2", "from": 200, "to": 4294967295}]})",
       "mapping"},
      {{"submit", "--zk", zk_, "-"},
       R"({"graph": "wordcount", "workers": ["w1", "w2"], "fronts": {"in": "w1"}, "sinks": {"out": "w2"},
           "continues": "running", "start_ms": 1000})",
       "start_ms"},
      {{"submit", "--zk", zk_, "-"},
       R"({"graph": "wordcount", "workers": ["w1", "w2"], "fronts": {"in": "w2"}, "sinks": {"out": "w2"},
           "continues": "running"})",
       "fronts"},
      {{"submit", "--zk", zk_, "-"},
       R"({"graph": "inverted-index", "workers": ["w1", "w2"], "continues": "running"})", "another job"},
  };
  for (const Case& c : cases) {
    const RunResult r = flamestream(c.args, c.stdin_text);
    EXPECT_EQ(r.status, 2) << c.names << ": " << r.err;
    EXPECT_NE(r.err.find(c.names), std::string::npos) << r.err;
  }
  EXPECT_EQ(tick_nodes(), ticks_before);
  EXPECT_EQ(ticks_before.back(), running);
}

}  // namespace
}  // namespace flamestream::cluster_test
