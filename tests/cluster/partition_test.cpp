// A partition between two workers (issue 24): three workers, each in a network namespace of its
// own, ZooKeeper and the clients on a bridge they all reach. Word count runs at a moderate rate;
// w1 and w2 are cut off from each other for ten seconds (a blackhole route each way; both still
// reach ZooKeeper and w3). `status` must name the silent links within seconds, the output must
// stand still while the cut lasts (it is real), flow again within a second of the heal, and end
// exactly as the reference says. A peer killed afterwards is shown silent and not registered.
#include "tests/cluster/cluster_fixture.h"
#include "tests/cluster/net_lab.h"

namespace flamestream::cluster_test {
namespace {

using test_support::NetLab;

constexpr std::size_t kWords = 100'000;
constexpr int kLinesPerSecond = 500;  // ~9.5 k lines: ingest runs ~19 s
constexpr auto kCut = 10s;
constexpr auto kReported = 8s;      // heartbeats close a silent connection after 3 s
constexpr auto kFlowsAgain = 1000ms;

class PartitionTest : public ClusterTest {
 protected:
  static void SetUpTestSuite() {
    try {
      lab_ = new NetLab(3);  // before ZooKeeper starts: it must live in the lab's namespace
    } catch (const std::exception& e) {
      setup_error_ = std::string("cannot set up the network namespaces: ") + e.what();
      return;
    }
    ZkServer::Options options;
    options.client_address = "0.0.0.0";  // inside the private namespace: the bridge and loopback
    set_up_suite(options, NetLab::kBridgeAddress);
  }

  static void TearDownTestSuite() {
    ClusterTest::TearDownTestSuite();
    delete lab_;
    lab_ = nullptr;
  }

  // Worker `name` in host `host`'s namespace, listening on its address there.
  Worker start_worker_in(std::size_t host, const std::string& name) {
    Worker w{name, 7001, "tcp://" + lab_->address(host) + ":7001", nullptr};
    std::vector<std::string> args = lab_->exec_in(host);
    for (std::string a : {bin_, std::string("worker"), std::string("--zk"), zk_, std::string("--name"), name,
                          std::string("--listen"), w.endpoint, std::string("--data-dir"),
                          (dir_ / (name + "-data")).string()})
      args.push_back(std::move(a));
    processes_.push_back(std::make_unique<Process>(args, dir_ / (name + ".out"), dir_ / (name + ".err")));
    w.process = processes_.back().get();
    const auto deadline = Clock::now() + 15s;
    while (registered_workers()[name] != w.endpoint) {
      if (Clock::now() > deadline || !w.process->running())
        throw std::runtime_error("worker " + name + " did not register: " + w.process->read_stderr());
      std::this_thread::sleep_for(20ms);
    }
    return w;
  }

  static std::uintmax_t size_of(const Process& p) {
    std::error_code ec;
    const auto size = fs::file_size(p.stdout_path(), ec);
    return ec ? 0 : size;
  }

  inline static NetLab* lab_ = nullptr;
};

TEST_F(PartitionTest, TwoWorkersCutOffFromEachOtherAreReportedFlowAgainWithinASecondOfTheHealAndTheOutputIsExact) {
  const fs::path input = write_text(24, kWords, 20000);
  const std::string expected = reference_wordcount(input);
  std::vector<Worker> workers;
  for (std::size_t i = 0; i < 3; ++i) workers.push_back(start_worker_in(i, "w" + std::to_string(i + 1)));
  const std::string node = submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json");
  wait_until_running(workers, node);
  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", "--rate",
                                     std::to_string(kLinesPerSecond), input.string()});
  // Under way: a tenth of the output is out.
  for (const auto deadline = Clock::now() + 30s; size_of(tail) < expected.size() / 10;) {
    ASSERT_LT(Clock::now(), deadline) << "no output within 30 s: " << tail.read_stderr();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(poll_status([](const std::string& s) { return s.find("no silent link reported") != std::string::npos; }, 5s)
                .find("links: no silent link reported"),
            std::string::npos)
      << "a link was reported silent before any cut";

  lab_->cut(0, 1);
  const auto cut_at = Clock::now();
  const std::string reported = poll_status([](const std::string& s) {
    return s.find("link w1 -> w2 silent since ") != std::string::npos &&
           s.find("link w2 -> w1 silent since ") != std::string::npos;
  }, kReported);
  const auto reported_after = Clock::now() - cut_at;
  EXPECT_NE(reported.find("link w1 -> w2 silent since "), std::string::npos) << reported;
  EXPECT_NE(reported.find("link w2 -> w1 silent since "), std::string::npos) << reported;
  EXPECT_EQ(reported.find("-> w3"), std::string::npos) << "w3 still reaches both:\n" << reported;
  EXPECT_EQ(reported.find("link w3"), std::string::npos) << "w3 still reaches both:\n" << reported;
  std::printf("silent links reported %.1f s after the cut\n",
              std::chrono::duration<double>(reported_after).count());

  // The cut is real: nothing more comes out while it lasts (the minimal time waits for w1 and w2).
  std::this_thread::sleep_until(cut_at + kCut / 2);
  const auto frozen = size_of(tail);
  std::this_thread::sleep_until(cut_at + kCut);
  EXPECT_EQ(size_of(tail), frozen) << "output grew while w1 and w2 could not reach each other";
  EXPECT_LT(frozen, expected.size()) << "the job ended before the cut could matter";

  lab_->heal(0, 1);
  const auto healed_at = Clock::now();
  while (size_of(tail) == frozen && Clock::now() - healed_at < 10s) std::this_thread::sleep_for(5ms);
  const auto flowing_after = Clock::now() - healed_at;
  std::printf("output flowing again %.0f ms after the heal\n",
              std::chrono::duration<double, std::milli>(flowing_after).count());
  EXPECT_LT(flowing_after, kFlowsAgain) << "the output stood still for longer than a second after the heal";
  const std::string after = poll_status([](const std::string& s) {
    return s.find("links: no silent link reported") != std::string::npos;
  }, 5s);
  EXPECT_NE(after.find("links: no silent link reported"), std::string::npos) << after;

  EXPECT_EQ(ingest.wait_for(120s), std::optional<int>(0)) << "ingest: " << ingest.read_stderr();
  EXPECT_EQ(tail.wait_for(120s), std::optional<int>(0)) << "tail: " << tail.read_stderr();
  EXPECT_SAME_OUTPUT(tail.read_stdout(), expected, "tail --sink out");
  // What the workers said is what happened.
  const std::string w1 = workers[0].process->read_stderr();
  EXPECT_NE(w1.find("link to w2 lost"), std::string::npos) << w1;
  EXPECT_NE(w1.find("link to w2 back after"), std::string::npos) << w1;
  EXPECT_EQ(w1.find("link to w3 lost"), std::string::npos) << w1;

  // A peer that dies: its links are silent at once (the connection closed), and once its
  // registration is gone `status` says so — not a partition.
  ::kill(workers[2].process->pid(), SIGKILL);
  const std::string dead = poll_status([](const std::string& s) {
    return s.find("link w1 -> w3 silent since ") != std::string::npos &&
           s.find("link w2 -> w3 silent since ") != std::string::npos &&
           s.find("w3 is not registered") != std::string::npos;
  }, 15s);
  EXPECT_NE(dead.find("link w1 -> w3 silent since "), std::string::npos) << dead;
  EXPECT_NE(dead.find("link w2 -> w3 silent since "), std::string::npos) << dead;
  EXPECT_NE(dead.find("; w3 is not registered)"), std::string::npos) << dead;
  for (std::size_t i = 0; i < 2; ++i) ::kill(workers[i].process->pid(), SIGTERM);
}

}  // namespace
}  // namespace flamestream::cluster_test
