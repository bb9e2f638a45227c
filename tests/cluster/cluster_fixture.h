// The cluster tests' fixture: one real ZooKeeper per suite, a chroot and a directory per test,
// worker processes that are always stopped, and the client commands run as a user would. The
// suite makes one cluster key (flamestream keys) and hands it to every process it starts through
// FLAMESTREAM_KEY_FILE, as a user would: the cluster runs authenticated, as by default.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "tests/cluster/test_data.h"

namespace flamestream::cluster_test {

// ---------------------------------------------------------------------------------------------
// The fixture: one ZooKeeper for the suite, a chroot and a directory per test.

class ClusterTest : public ::testing::Test {
 protected:
  struct Worker {
    std::string name;
    std::uint16_t port = 0;
    std::string endpoint;
    Process* process = nullptr;
  };

  static void SetUpTestSuite() { set_up_suite({}, {}); }

  // The suite's ZooKeeper with `options`; the workers and commands reach it at `host` (default:
  // where it listens).
  static void set_up_suite(const ZkServer::Options& options, const std::string& host) {
    bin_ = env_or_empty("FLAMESTREAM_BIN");
    source_root_ = env_or_empty("FLAMESTREAM_SOURCE_ROOT");
    if (bin_.empty() || !fs::exists(bin_)) {
      setup_error_ = "FLAMESTREAM_BIN does not name the flamestream binary: '" + bin_ + "'";
      return;
    }
    if (source_root_.empty() || !fs::exists(fs::path(source_root_) / "graphs/ticks/wordcount-3.json")) {
      setup_error_ = "FLAMESTREAM_SOURCE_ROOT does not name the repository: '" + source_root_ + "'";
      return;
    }
    try {
      server_ = new ZkServer(options);
      zk_host_ = host.empty() ? server_->connect_string() : host + ":" + std::to_string(server_->port());
      std::printf("ZooKeeper at %s served after %lld ms\n", server_->connect_string().c_str(),
                  static_cast<long long>(server_->last_start_duration().count()));
      suite_dir_ = test_support::make_temp_dir("flamestream-cluster-test-");
      key_file_ = suite_dir_ / "cluster.key";
      const RunResult keys = test_support::run({bin_, "keys", key_file_.string()});
      if (keys.status != 0) throw std::runtime_error("flamestream keys failed: " + keys.err);
      key_ = ClusterKey::load(key_file_);
      ::setenv(kKeyFileVariable, key_file_.c_str(), 1);  // inherited by every process started
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::error_code ec;
    if (!key_file_.empty()) fs::remove(key_file_, ec);
    if (!suite_dir_.empty()) fs::remove(suite_dir_, ec);  // only if every test removed its own
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    ASSERT_NE(server_, nullptr);
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = "/cluster-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
            info->name();
    connect_admin();
    admin_->ensure_path(root_);
    zk_ = zk_host_ + root_;
    dir_ = suite_dir_ / info->name();
    fs::create_directories(dir_);
  }

  void TearDown() override {
    for (auto& p : processes_) p->stop();
    if (admin_) {
      try {
        admin_->remove_recursive(root_);
      } catch (const std::exception&) {
      }
    }
    if (dir_.empty()) return;
    if (HasFailure() || !env_or_empty("FLAMESTREAM_CLUSTER_KEEP_DIR").empty()) {
      std::printf("logs, inputs and outputs of this test: %s\n", dir_.c_str());
    } else {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  // ---- processes

  // Runs `flamestream ARGS...` to completion.
  RunResult flamestream(std::vector<std::string> args, const std::string& stdin_text = {},
                        std::chrono::milliseconds timeout = 30s) const {
    args.insert(args.begin(), bin_);
    return test_support::run(args, stdin_text, timeout);
  }

  // Starts `flamestream ARGS...` in the background, output in LABEL.out and LABEL.err.
  Process& spawn(const std::string& label, std::vector<std::string> args,
                 const fs::path& stdin_path = "/dev/null") {
    args.insert(args.begin(), bin_);
    processes_.push_back(std::make_unique<Process>(args, dir_ / (label + ".out"),
                                                   dir_ / (label + ".err"), stdin_path));
    return *processes_.back();
  }

  // Starts a worker on a free loopback port and waits until it is registered. A port taken
  // between choosing and binding it is retried with another one.
  // `options`: more of `flamestream worker`'s options.
  Worker start_worker(const std::string& name, const std::vector<std::string>& options = {}) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      Worker w{name, test_support::free_loopback_port(), {}, nullptr};
      w.endpoint = "tcp://127.0.0.1:" + std::to_string(w.port);
      std::vector<std::string> args = {"worker", "--zk", zk_, "--name", name, "--listen", w.endpoint,
                                       "--data-dir", (dir_ / (name + "-data")).string()};
      args.insert(args.end(), options.begin(), options.end());
      w.process = &spawn(name, std::move(args));
      const auto deadline = Clock::now() + 15s;
      while (Clock::now() < deadline) {
        const auto registered = registered_workers();
        if (auto it = registered.find(name); it != registered.end() && it->second == w.endpoint)
          return w;
        if (!w.process->running()) break;
        std::this_thread::sleep_for(20ms);
      }
      const std::string err = w.process->read_stderr();
      if (!w.process->running() && err.find("cannot listen") != std::string::npos) continue;
      throw std::runtime_error("worker " + name + " did not register within 15 s (" +
                               (w.process->running() ? std::string("still running")
                                                     : test_support::describe(*w.process->exit_status())) +
                               "); stderr: " + err);
    }
    throw std::runtime_error("worker " + name + ": no free port after 3 attempts");
  }

  // Writes a seeded text of at least `words` words to this test's directory.
  fs::path write_text(std::uint64_t seed, std::size_t words, std::size_t vocabulary) {
    const fs::path input = dir_ / "text.txt";
    test_support::write_file(input, generate_text(seed, words, vocabulary));
    return input;
  }

  // Workers w1, w2, w3 running the committed example tick graphs/ticks/wordcount-3.json.
  struct ExampleTick {
    std::vector<Worker> workers;
    std::string node;
  };
  ExampleTick start_example_tick() {
    ExampleTick t{start_workers({"w1", "w2", "w3"}), {}};
    t.node = submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json");
    return t;
  }

  std::vector<Worker> start_workers(const std::vector<std::string>& names) {
    std::vector<Worker> workers;
    for (const auto& n : names) workers.push_back(start_worker(n));
    return workers;
  }

  // Waits until every worker logged that it runs `node`.
  static void wait_until_running(const std::vector<Worker>& workers, const std::string& node) {
    const auto deadline = Clock::now() + 10s;
    for (const Worker& w : workers) {
      while (w.process->read_stderr().find("running " + node) == std::string::npos) {
        if (Clock::now() > deadline || !w.process->running())
          throw std::runtime_error("worker " + w.name + " did not start " + node + "; stderr: " +
                                   w.process->read_stderr());
        std::this_thread::sleep_for(20ms);
      }
    }
  }

  // SIGTERM to every worker: each must stop by itself, cleanly, and say so.
  static void expect_clean_shutdown(const std::vector<Worker>& workers) {
    for (const Worker& w : workers) ::kill(w.process->pid(), SIGTERM);
    for (const Worker& w : workers) {
      const auto status = w.process->wait_for(10s);
      ASSERT_TRUE(status.has_value()) << "worker " << w.name << " ignored SIGTERM for 10 s";
      EXPECT_EQ(*status, 0) << "worker " << w.name << ": " << test_support::describe(*status)
                            << "; stderr: " << w.process->read_stderr();
      EXPECT_NE(w.process->read_stderr().find(w.name + ": stopped"), std::string::npos)
          << w.process->read_stderr();
    }
  }

  // ---- ZooKeeper, read directly under this test's chroot

  // The test's own session, authenticated with the cluster key: the cluster's nodes are readable
  // by holders of the key only.
  void connect_admin() {
    admin_ = ZkClient::connect(server_->connect_string(), 10s, 10s, key_->zk_credential());
  }

  std::map<std::string, std::string> registered_workers() {
    std::map<std::string, std::string> out;
    try {
      for (const auto& name : admin_->children(root_ + "/flamestream/workers"))
        if (auto data = admin_->get(root_ + "/flamestream/workers/" + name))
          out[name] = data->substr(0, data->find('\n'));  // the endpoint; the incarnation follows
    } catch (const ZkError&) {  // no worker has created the layout yet
    }
    return out;
  }

  std::vector<std::string> tick_nodes() {
    try {
      return admin_->children(root_ + "/flamestream/ticks");
    } catch (const ZkError&) {
      return {};
    }
  }

  // ---- client commands

  // Submits a tick (a file, or JSON on stdin); returns the tick node it printed.
  std::string submit_file(const fs::path& tick) {
    const RunResult r = flamestream({"submit", "--zk", zk_, tick.string()});
    EXPECT_EQ(r.status, 0) << r.err;
    return submitted_node(r);
  }
  std::string submit_json(const std::string& json) {
    const RunResult r = flamestream({"submit", "--zk", zk_, "-"}, json);
    EXPECT_EQ(r.status, 0) << r.err;
    return submitted_node(r);
  }
  static std::string submitted_node(const RunResult& r) {
    std::string node = r.out;
    while (!node.empty() && node.back() == '\n') node.pop_back();
    const bool well_formed = node.size() == 15 && node.rfind("tick-", 0) == 0 &&
                             std::all_of(node.begin() + 5, node.end(), ::isdigit);
    if (!well_formed) throw std::runtime_error("submit printed '" + r.out + "', not a tick node; stderr: " + r.err);
    return node;
  }
  // The tick id of a node, as workers stamp it on messages: ZooKeeper's sequence number + 1.
  static std::uint64_t tick_id(const std::string& node) { return std::stoull(node.substr(5)); }

  // `status` until `done(output)` holds, for at most `timeout`; returns the last output.
  std::string poll_status(const std::function<bool(const std::string&)>& done,
                          std::chrono::milliseconds timeout = 5s) const {
    const auto deadline = Clock::now() + timeout;
    std::string out;
    for (;;) {
      const RunResult r = flamestream({"status", "--zk", zk_});
      out = r.out;
      if (r.status == 0 && done(out)) return out;
      if (Clock::now() >= deadline) return out;
      std::this_thread::sleep_for(100ms);
    }
  }

  // The reference output of wordcount for `input`: the single-threaded oracle, checked to agree
  // with the embedded engine.
  std::string reference_wordcount(const fs::path& input) const {
    const RunResult embedded = flamestream({"run", "wordcount", "--input", input.string()}, {}, 60s);
    const RunResult reference =
        flamestream({"run", "wordcount", "--engine", "reference", "--input", input.string()}, {}, 60s);
    if (embedded.status != 0 || reference.status != 0)
      throw std::runtime_error("run wordcount failed: embedded " + test_support::describe(embedded.status) +
                               " " + embedded.err + "; reference " +
                               test_support::describe(reference.status) + " " + reference.err);
    EXPECT_SAME_OUTPUT(embedded.out, reference.out, "embedded engine versus reference");
    return reference.out;
  }

  // Runs a whole wordcount job on the cluster: tail and ingest at once, both must finish.
  // Returns what tail printed.
  std::string ingest_and_tail(const fs::path& input, const std::string& node,
                              std::size_t input_lines) {
    Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
    Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", input.string()});
    const auto ingest_status = ingest.wait_for(60s);
    EXPECT_EQ(ingest_status, std::optional<int>(0)) << "ingest: " << ingest.read_stderr();
    EXPECT_NE(ingest.read_stderr().find(std::to_string(input_lines) + " lines into front 'in' of " + node),
              std::string::npos)
        << ingest.read_stderr();
    const auto tail_status = tail.wait_for(60s);
    EXPECT_EQ(tail_status, std::optional<int>(0)) << "tail: " << tail.read_stderr();
    return tail.read_stdout();
  }

  // `status` lists exactly `workers` with their endpoints, and `node` running `graph` on them,
  // with its minimal time reaching infinity within 5 s.
  // Word count's lines of an input that stays open are released while it is open, and all of
  // them once it closes.
  void expect_live_stream_flows(const std::vector<Worker>& workers, const std::string& node) {
    // A pipe that stays open: the test holds it for reading and writing, so neither its open nor
    // the ingest's blocks, and the ingest reads the end of its input only when the test closes it.
    const fs::path fifo = dir_ / "live.fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
    int writer = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(writer, 0) << std::strerror(errno);
    struct Closer {
      int& fd;
      ~Closer() {
        if (fd >= 0) ::close(fd);
      }
    } closer{writer};
    auto write_line = [&](const std::string& line) {
      const std::string text = line + "\n";
      ASSERT_EQ(::write(writer, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    };
    Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
    Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in"}, fifo);

    // Two lines, far fewer than a batch (1024): both counts come out while the input is still open.
    write_line("live words live");
    write_line("more live");
    const auto deadline = Clock::now() + 30s;
    while (tail.read_stdout().find("live\t3") == std::string::npos && Clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    EXPECT_NE(tail.read_stdout().find("live\t3"), std::string::npos)
        << "the lines of an open input were not released within 30 s; tail printed: "
        << tail.read_stdout() << "\ningest: " << ingest.read_stderr();
    EXPECT_TRUE(ingest.running()) << "the input is still open: " << ingest.read_stderr();

    write_line("live");
    ::close(writer);
    writer = -1;
    EXPECT_EQ(ingest.wait_for(30s), std::optional<int>(0)) << "ingest: " << ingest.read_stderr();
    EXPECT_EQ(tail.wait_for(30s), std::optional<int>(0)) << "tail: " << tail.read_stderr();
    EXPECT_EQ(tail.read_stdout(), "live\t1\nwords\t1\nlive\t2\nmore\t1\nlive\t3\nlive\t4\n");
    expect_status_done(workers, node);
  }

  void expect_status_done(const std::vector<Worker>& workers, const std::string& node) {
    const std::string out = poll_status([&](const std::string& s) {
      return s.find("minimal time: infinity") != std::string::npos;
    });
    EXPECT_NE(out.find("workers: " + std::to_string(workers.size()) + "\n"), std::string::npos) << out;
    std::string names;
    for (const Worker& w : workers) {
      EXPECT_NE(out.find("  " + w.name + "  " + w.endpoint + "\n"), std::string::npos) << out;
      names += " " + w.name;
    }
    EXPECT_NE(out.find("ticks: 1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("  " + node + "  graph wordcount  workers" + names), std::string::npos) << out;
    EXPECT_NE(out.find("minimal time: infinity"), std::string::npos)
        << "the tick's minimal time did not reach infinity within 5 s:\n" << out;
  }

  inline static std::string bin_;
  inline static std::string source_root_;
  inline static ZkServer* server_ = nullptr;
  inline static std::string zk_host_;  // HOST:PORT of the suite's ZooKeeper, for the workers
  inline static std::string setup_error_;
  inline static fs::path suite_dir_;
  inline static fs::path key_file_;
  inline static std::optional<ClusterKey> key_;

  std::string root_;  // this test's chroot
  std::string zk_;    // connect string with the chroot, for the commands
  std::unique_ptr<ZkClient> admin_;  // at the server's root
  fs::path dir_;
  std::vector<std::unique_ptr<Process>> processes_;  // every process this test started
};

}  // namespace flamestream::cluster_test
