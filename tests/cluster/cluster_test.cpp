// The cluster end to end: `flamestream worker` processes coordinated by a real ZooKeeper, driven
// by the client commands (submit, ingest, tail, status) exactly as a user would run them.
//
// One ZooKeeper server serves the whole suite (tests/support/zk_server.h); every test works under
// its own chroot (HOST:PORT/cluster-test-...), so the tests do not see each other's workers or
// ticks. Every process a test starts is a Process owned by the fixture, stopped (SIGTERM, then
// SIGKILL) at the end of the test whatever happened.
//
// Environment (set by tests/cluster/meson.build): FLAMESTREAM_BIN, the flamestream binary;
// FLAMESTREAM_SOURCE_ROOT, the repository (for graphs/ticks/wordcount-3.json).
// FLAMESTREAM_CLUSTER_KEEP_DIR=1 keeps every test's directory (logs, inputs, outputs); a failed
// test always keeps its own and prints where it is.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "graphs/catalog.h"
#include "runtime/coordination/zk_client.h"
#include "runtime/wire/codec.h"
#include "tests/cluster/process.h"
#include "tests/support/zk_server.h"

namespace flamestream {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test_support::Process;
using test_support::RunResult;
using test_support::ZkServer;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness (the standard distributions differ between libraries).

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }  // bias is irrelevant here
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  std::string bytes(std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(next());
    return s;
  }
};

// A text of at least `min_words` words over `vocabulary` distinct ones, drawn with Zipf-like
// frequencies (s = 1.05): a few very common words and a long tail. Lines hold 1-20 words; some
// words are capitalised or upper-case, some carry punctuation, quotes, brackets, hyphens, a
// possessive, or a non-ASCII dash between them.
std::string generate_text(std::uint64_t seed, std::size_t min_words, std::size_t vocabulary) {
  SplitMix64 rng{seed};
  std::set<std::string> seen;
  std::vector<std::string> words;
  while (words.size() < vocabulary) {
    std::string w;
    const std::size_t length = 2 + rng.below(9);
    for (std::size_t i = 0; i < length; ++i) w += static_cast<char>('a' + rng.below(26));
    if (rng.chance(0.04)) w += std::to_string(rng.below(100));
    if (seen.insert(w).second) words.push_back(w);
  }
  std::vector<double> cumulative;
  double total = 0;
  for (std::size_t r = 0; r < vocabulary; ++r) {
    total += 1.0 / std::pow(static_cast<double>(r + 1), 1.05);
    cumulative.push_back(total);
  }
  const auto draw = [&]() -> std::string {
    const double u = rng.unit() * total;
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    if (it == cumulative.end()) --it;
    std::string w = words[static_cast<std::size_t>(it - cumulative.begin())];
    if (rng.chance(0.10)) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    if (rng.chance(0.02))
      for (auto& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return w;
  };
  static const std::array<const char*, 6> trailing = {",", ".", ";", ":", "!", "?"};
  std::string text;
  std::size_t count = 0;
  while (count < min_words) {
    const std::size_t line_words = 1 + rng.below(20);
    for (std::size_t i = 0; i < line_words; ++i, ++count) {
      if (i > 0) text += rng.chance(0.01) ? " \xE2\x80\x94 " : " ";  // an em dash, in UTF-8
      std::string w = draw();
      if (rng.chance(0.02)) {
        w += "-" + draw();
        ++count;
      }
      if (rng.chance(0.02)) w += "'s";
      if (rng.chance(0.03)) w = (rng.chance(0.5) ? "(" + w + ")" : "\"" + w + "\"");
      if (rng.chance(0.12)) w += trailing[rng.below(trailing.size())];
      text += w;
    }
    text += '\n';
  }
  return text;
}

std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

// Where two outputs first differ, for a readable failure instead of two 30,000-line dumps.
std::string first_difference(const std::string& actual, const std::string& expected) {
  std::istringstream a(actual), e(expected);
  std::string la, le;
  for (std::size_t line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool he = static_cast<bool>(std::getline(e, le));
    if (!ha && !he) return "no line differs (trailing bytes differ)";
    if (ha != he || la != le)
      return "line " + std::to_string(line) + ": got " + (ha ? "'" + la + "'" : "end of output") +
             ", expected " + (he ? "'" + le + "'" : "end of output");
  }
}

#define EXPECT_SAME_OUTPUT(actual, expected, what)                                            \
  EXPECT_TRUE((actual) == (expected))                                                         \
      << what << ": " << count_lines(actual) << " lines (" << (actual).size() << " bytes), "  \
      << "expected " << count_lines(expected) << " lines (" << (expected).size() << " bytes); " \
      << first_difference(actual, expected)

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// ---------------------------------------------------------------------------------------------
// Garbage for the workers' sockets.

// Raw TCP: connects, writes `bytes`, closes. A worker may hang up first; that is fine.
void send_raw_tcp(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
}

// A ZMTP 3.0 greeting (NULL mechanism, as client): gets past the first check of a ZeroMQ peer.
std::string zmtp_greeting() {
  std::string g(64, '\0');
  g[0] = '\xFF';
  g[9] = '\x7F';
  g[10] = 3;  // version 3.0
  g[11] = 0;
  g.replace(12, 4, "NULL");
  return g;
}

// The greeting, a READY command of a DEALER, then the header of one frame of `claimed` bytes.
std::string zmtp_handshake_and_huge_frame(std::uint64_t claimed) {
  std::string s = zmtp_greeting();
  const std::string ready = std::string("\x05READY", 6) + "\x0bSocket-Type" +
                            std::string("\x00\x00\x00\x06", 4) + "DEALER";
  s += '\x04';
  s += static_cast<char>(ready.size());
  s += ready;
  s += '\x02';  // a long, final message frame
  for (int shift = 56; shift >= 0; shift -= 8) s += static_cast<char>((claimed >> shift) & 0xFF);
  return s;
}

// One message of every kind a worker may receive, valid for a wordcount tick on three workers.
std::vector<std::string> valid_messages(std::uint64_t tick) {
  const Job job = make_job("wordcount");
  const NodeId inner = static_cast<NodeId>(job.graph.nodes().size() - 1);
  std::vector<Envelope> envelopes;
  for (NodeId node : {NodeId{1}, inner}) {
    Envelope e;
    e.node = node;
    e.ack_id = 0x9E3779B97F4A7C15ULL ^ node;
    e.item.payload = Value::tuple({Value("word"), Value(std::int64_t{3})});
    e.item.meta.time = GlobalTime{1234567890123ULL, job.graph.fronts().at(0)};
    e.item.meta.trace = {LocalTime{1, 0}, LocalTime{2, 1}};
    envelopes.push_back(std::move(e));
  }
  AckDelta delta;
  delta.slots = {{1000, 0xDEADBEEF}, {2000, 42}};
  delta.reports = {{job.graph.fronts().at(0), 3000}};
  std::vector<wire::Body> bodies = {
      wire::ItemBatch{envelopes},
      delta,
      wire::MinTimeUpdate{5000},
      wire::IngestLines{"in", 0, {"some words", "and more words"}, false},
      wire::TailRequest{"out", 0},
      wire::Stop{},
  };
  std::vector<std::string> out;
  for (auto& body : bodies) out.push_back(wire::encode(wire::Message{tick, 1, std::move(body)}));
  return out;
}

// What a wordcount worker of a three-worker tick accepts.
wire::Limits wordcount_limits() { return wire::Limits{make_job("wordcount").graph.nodes().size(), 3}; }

bool decodes(const std::string& bytes) {
  try {
    wire::decode(bytes, wordcount_limits());
    return true;
  } catch (const std::exception&) {  // WireError; anything else is garbage too (and a codec bug)
    return false;
  }
}

// The tick a frame claims to belong to, if even that can be read.
std::optional<std::uint64_t> claimed_tick(const std::string& bytes) {
  try {
    return wire::peek_tick(bytes);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Frames for a worker's ROUTER that must all be dropped: random bytes, truncated and mutated
// messages of every kind, and messages well-formed but wrong for the job (sender or node out of
// range). Only frames that wire::decode() itself rejects are kept, and none that claims a tick
// later than `tick` (GarbageClaimingALaterTickIsDroppedToo covers those): a frame that decodes is
// a message, not garbage, and may legitimately change what the job does.
struct GarbageStats {
  std::size_t frames = 0;
  std::size_t skipped_valid = 0;
  std::size_t skipped_later_tick = 0;
};

std::vector<std::string> garbage_frames(SplitMix64& rng, std::uint64_t tick, GarbageStats& stats) {
  std::vector<std::string> candidates;
  for (std::size_t n : {0, 1, 3, 8, 16, 24, 100, 1000, 4000}) candidates.push_back(rng.bytes(n));
  const auto valid = valid_messages(tick);
  for (const std::string& m : valid) {
    candidates.push_back(m.substr(0, rng.below(m.size())));  // truncated anywhere
    candidates.push_back(m.substr(0, m.size() - 1 - rng.below(std::min<std::size_t>(m.size(), 8))));
    for (int k = 0; k < 4; ++k) {  // 1-4 random bytes changed
      std::string x = m;
      const std::size_t flips = 1 + rng.below(4);
      for (std::size_t f = 0; f < flips; ++f)
        x[rng.below(x.size())] ^= static_cast<char>(1 + rng.below(255));
      candidates.push_back(std::move(x));
    }
    std::string tail_garbage = m + rng.bytes(1 + rng.below(64));  // trailing junk
    candidates.push_back(std::move(tail_garbage));
  }
  // Well-formed, but not for this job: an unknown sender, an unknown node.
  candidates.push_back(wire::encode(wire::Message{tick, 99, wire::MinTimeUpdate{1}}));
  Envelope e;
  e.node = 1000000;
  e.item.payload = Value("x");
  candidates.push_back(wire::encode(wire::Message{tick, 0, wire::ItemBatch{{e}}}));

  std::vector<std::string> frames;
  for (auto& c : candidates) {
    if (decodes(c)) {
      ++stats.skipped_valid;
      continue;
    }
    if (auto t = claimed_tick(c); t && *t > tick) {
      ++stats.skipped_later_tick;
      continue;
    }
    frames.push_back(std::move(c));
  }
  stats.frames += frames.size();
  return frames;
}

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

  static void SetUpTestSuite() {
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
      server_ = new ZkServer();
      std::printf("ZooKeeper at %s served after %lld ms\n", server_->connect_string().c_str(),
                  static_cast<long long>(server_->last_start_duration().count()));
      suite_dir_ = test_support::make_temp_dir("flamestream-cluster-test-");
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::error_code ec;
    if (!suite_dir_.empty()) fs::remove(suite_dir_, ec);  // only if every test removed its own
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    ASSERT_NE(server_, nullptr);
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = "/cluster-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
            info->name();
    admin_ = ZkClient::connect(server_->connect_string(), 10s);
    admin_->ensure_path(root_);
    zk_ = server_->connect_string() + root_;
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
  Process& spawn(const std::string& label, std::vector<std::string> args) {
    args.insert(args.begin(), bin_);
    processes_.push_back(std::make_unique<Process>(args, dir_ / (label + ".out"),
                                                   dir_ / (label + ".err")));
    return *processes_.back();
  }

  // Starts a worker on a free loopback port and waits until it is registered. A port taken
  // between choosing and binding it is retried with another one.
  Worker start_worker(const std::string& name) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      Worker w{name, test_support::free_loopback_port(), {}, nullptr};
      w.endpoint = "tcp://127.0.0.1:" + std::to_string(w.port);
      w.process = &spawn(name, {"worker", "--zk", zk_, "--name", name, "--listen", w.endpoint,
                                "--data-dir", (dir_ / (name + "-data")).string()});
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

  std::map<std::string, std::string> registered_workers() {
    std::map<std::string, std::string> out;
    try {
      for (const auto& name : admin_->children(root_ + "/flamestream/workers"))
        if (auto ep = admin_->get(root_ + "/flamestream/workers/" + name)) out[name] = *ep;
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
  static std::uint64_t tick_id(const std::string& node) { return std::stoull(node.substr(5)) + 1; }

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

  static std::string bin_;
  static std::string source_root_;
  static ZkServer* server_;
  static std::string setup_error_;
  static fs::path suite_dir_;

  std::string root_;  // this test's chroot
  std::string zk_;    // connect string with the chroot, for the commands
  std::unique_ptr<ZkClient> admin_;  // at the server's root
  fs::path dir_;
  std::vector<std::unique_ptr<Process>> processes_;  // every process this test started
};

std::string ClusterTest::bin_;
std::string ClusterTest::source_root_;
ZkServer* ClusterTest::server_ = nullptr;
std::string ClusterTest::setup_error_;
fs::path ClusterTest::suite_dir_;

// ---------------------------------------------------------------------------------------------

TEST_F(ClusterTest, ThreeWorkersReleaseWhatTheEmbeddedEngineAndTheReferenceDo) {
  const fs::path input = dir_ / "text.txt";
  const std::string text = generate_text(1, 30000, 3000);
  test_support::write_file(input, text);
  const std::string expected = reference_wordcount(input);
  ASSERT_GE(count_lines(expected), 30000u);

  const auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json");
  const std::string output = ingest_and_tail(input, node, count_lines(text));
  EXPECT_SAME_OUTPUT(output, expected, "tail --sink out");

  expect_status_done(workers, node);
  for (const Worker& w : workers) EXPECT_TRUE(w.process->running()) << w.name;
  expect_clean_shutdown(workers);
}

TEST_F(ClusterTest, OneWorkerReleasesWhatTheReferenceDoes) {
  const fs::path input = dir_ / "text.txt";
  const std::string text = generate_text(2, 30000, 3000);
  test_support::write_file(input, text);
  const std::string expected = reference_wordcount(input);

  const auto workers = start_workers({"solo"});
  const fs::path tick = dir_ / "solo.json";
  test_support::write_file(tick, R"({"graph": "wordcount", "workers": ["solo"],
    "mapping": [{"worker": "solo", "from": 0, "to": 4294967295}],
    "fronts": {"in": "solo"}, "sinks": {"out": "solo"}, "acker": "solo"})");
  const std::string node = submit_file(tick);
  const std::string output = ingest_and_tail(input, node, count_lines(text));
  EXPECT_SAME_OUTPUT(output, expected, "tail --sink out");

  expect_status_done(workers, node);
  expect_clean_shutdown(workers);
}

TEST_F(ClusterTest, BadTicksAndFrontsExit2NamingTheProblemAndWriteNothing) {
  start_workers({"w1", "w2"});
  const std::string node = submit_json(R"({"graph": "wordcount", "workers": ["w1", "w2"]})");
  const auto ticks_before = tick_nodes();
  ASSERT_EQ(ticks_before, std::vector<std::string>{node});

  struct Case {
    std::string what;
    std::string tick;
    std::vector<std::string> needles;  // each must appear in stderr
  };
  const std::vector<Case> cases = {
      {"malformed JSON", R"({"graph": "wordcount", "workers": ["w1")", {"not valid JSON"}},
      {"unknown graph", R"({"graph": "nosuchgraph"})", {"'graph'", "nosuchgraph", "wordcount"}},
      {"unknown param", R"({"graph": "wordcount", "params": {"colour": "red"}})", {"'params'", "colour"}},
      {"mapping with a gap",
       R"({"graph": "wordcount", "workers": ["w1", "w2"], "mapping": [
            {"worker": "w1", "from": 0, "to": 999},
            {"worker": "w2", "from": 2000, "to": 4294967295}]})",
       {"mapping", "gap", "1000..1999"}},
      {"mapping with an overlap",
       R"({"graph": "wordcount", "workers": ["w1", "w2"], "mapping": [
            {"worker": "w1", "from": 0, "to": 2999},
            {"worker": "w2", "from": 2000, "to": 4294967295}]})",
       {"mapping", "overlap", "2000"}},
      {"unregistered worker", R"({"graph": "wordcount", "workers": ["w1", "ghost"]})",
       {"'workers[1]'", "ghost", "not registered", "registered: w1, w2"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const RunResult r = flamestream({"submit", "--zk", zk_, "-"}, c.tick);
    std::printf("%s: %s", c.what.c_str(), r.err.c_str());
    EXPECT_EQ(r.status, 2) << test_support::describe(r.status) << "; stderr: " << r.err;
    for (const auto& needle : c.needles)
      EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr lacks '" << needle << "': " << r.err;
    EXPECT_EQ(r.out, "") << "a rejected tick printed a tick node";
    EXPECT_EQ(tick_nodes(), ticks_before) << "a rejected tick was written";
  }
  // The same through a file.
  const fs::path bad = dir_ / "bad.json";
  test_support::write_file(bad, R"({"graph": "wordcount", "workers": ["ghost"]})");
  const RunResult from_file = flamestream({"submit", "--zk", zk_, bad.string()});
  EXPECT_EQ(from_file.status, 2) << from_file.err;
  EXPECT_NE(from_file.err.find("ghost"), std::string::npos) << from_file.err;
  EXPECT_EQ(tick_nodes(), ticks_before);

  const RunResult ingest = flamestream({"ingest", "--zk", zk_, "--front", "nosuch"}, "some words\n");
  EXPECT_EQ(ingest.status, 2) << test_support::describe(ingest.status) << "; stderr: " << ingest.err;
  EXPECT_NE(ingest.err.find("nosuch"), std::string::npos) << ingest.err;
  EXPECT_NE(ingest.err.find("valid: in"), std::string::npos) << ingest.err;

  const RunResult status = flamestream({"status", "--zk", zk_});
  EXPECT_EQ(status.status, 0) << status.err;
  EXPECT_NE(status.out.find("ticks: 1\n  " + node + "  graph wordcount"), std::string::npos) << status.out;
}

// Garbage on every worker's port while a job runs: raw TCP bytes, and ZeroMQ frames that are not
// messages. Every worker survives, drops them, says so once, and the output is unchanged.
TEST_F(ClusterTest, GarbageOnTheWorkersPortsIsDroppedAndTheJobCompletes) {
  const fs::path input = dir_ / "text.txt";
  const std::string text = generate_text(4, 150000, 5000);
  test_support::write_file(input, text);
  const std::string expected = reference_wordcount(input);

  const auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json");
  wait_until_running(workers, node);
  const std::uint64_t tick = tick_id(node);

  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", input.string()});

  SplitMix64 rng{44};
  zmq::context_t context;
  std::vector<zmq::socket_t> dealers;
  for (const Worker& w : workers) {
    dealers.emplace_back(context, zmq::socket_type::dealer);
    dealers.back().set(zmq::sockopt::linger, 5000);  // deliver everything before closing
    dealers.back().set(zmq::sockopt::sndhwm, 0);
    dealers.back().connect(w.endpoint);
  }
  GarbageStats stats;
  std::size_t rounds = 0, rounds_during_ingest = 0;
  const auto deadline = Clock::now() + 3s;
  while (rounds < 6 || (ingest.running() && Clock::now() < deadline && rounds < 30)) {
    if (ingest.running()) ++rounds_during_ingest;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      // (a) raw TCP: random bytes; a ZMTP greeting, then random bytes; a handshake, then a frame
      // header claiming a huge message.
      send_raw_tcp(workers[i].port, rng.bytes(4096));
      send_raw_tcp(workers[i].port, zmtp_greeting() + rng.bytes(2048));
      send_raw_tcp(workers[i].port,
                   zmtp_handshake_and_huge_frame(rounds % 2 == 0 ? (std::uint64_t{1} << 40)
                                                                 : (std::uint64_t{1} << 28)) +
                       rng.bytes(1024));
      // (b) ZeroMQ frames.
      for (const std::string& frame : garbage_frames(rng, tick, stats))
        dealers[i].send(zmq::buffer(frame), zmq::send_flags::dontwait);
      // A message of three frames, and one of two: not [identity, body] at the ROUTER.
      const auto valid = valid_messages(tick);
      dealers[i].send(zmq::buffer(valid[0]), zmq::send_flags::sndmore);
      dealers[i].send(zmq::buffer(rng.bytes(10)), zmq::send_flags::sndmore);
      dealers[i].send(zmq::buffer(valid[1]), zmq::send_flags::dontwait);
      dealers[i].send(zmq::buffer(rng.bytes(32)), zmq::send_flags::sndmore);
      dealers[i].send(zmq::buffer(valid[2]), zmq::send_flags::dontwait);
    }
    ++rounds;
    std::this_thread::sleep_for(30ms);
  }
  dealers.clear();  // waits (linger) until the frames are delivered
  EXPECT_GE(rounds_during_ingest, 1u) << "the input was ingested before any garbage was sent";
  std::printf("garbage: %zu rounds (%zu while ingesting), %zu ZeroMQ frames per worker; "
              "skipped %zu mutations that decode and %zu that claim a later tick\n",
              rounds, rounds_during_ingest, stats.frames / workers.size(), stats.skipped_valid,
              stats.skipped_later_tick);

  const auto ingest_status = ingest.wait_for(90s);
  EXPECT_EQ(ingest_status, std::optional<int>(0)) << "ingest: " << ingest.read_stderr();
  const auto tail_status = tail.wait_for(60s);
  EXPECT_EQ(tail_status, std::optional<int>(0)) << "tail: " << tail.read_stderr();
  EXPECT_SAME_OUTPUT(tail.read_stdout(), expected, "tail --sink out after garbage");

  for (const Worker& w : workers) {
    EXPECT_TRUE(w.process->running()) << "worker " << w.name << " died: "
                                      << test_support::describe(w.process->exit_status().value_or(-1))
                                      << "; stderr: " << w.process->read_stderr();
    const std::string err = w.process->read_stderr();
    EXPECT_EQ(count_of(err, "dropped a message"), 1u) << "worker " << w.name << " stderr: " << err;
  }
  expect_status_done(workers, node);
  expect_clean_shutdown(workers);
}

// One frame whose tick field reads as a later tick but which is not a valid message (its node id
// is out of range for any wordcount deployment): a worker cannot check it against a deployment it
// does not have yet, so it holds it (within a byte budget) for that tick. It must neither end the
// running tick nor hold back what follows it; only ZooKeeper's word ends a tick.
TEST_F(ClusterTest, GarbageClaimingALaterTickIsDroppedToo) {
  const fs::path input = dir_ / "text.txt";
  const std::string text = generate_text(5, 3000, 500);
  test_support::write_file(input, text);
  const std::string expected = reference_wordcount(input);

  const auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json");
  wait_until_running(workers, node);
  const std::uint64_t tick = tick_id(node);

  Envelope e;
  e.node = 1000000;
  e.item.payload = Value("x");
  const std::string frame = wire::encode(wire::Message{tick + 1000, 0, wire::ItemBatch{{e}}});
  ASSERT_FALSE(decodes(frame)) << "the frame must be garbage";
  ASSERT_EQ(claimed_tick(frame), std::optional<std::uint64_t>(tick + 1000));
  {
    zmq::context_t context;
    for (const Worker& w : workers) {
      zmq::socket_t dealer(context, zmq::socket_type::dealer);
      dealer.set(zmq::sockopt::linger, 5000);
      dealer.connect(w.endpoint);
      dealer.send(zmq::buffer(frame), zmq::send_flags::none);
    }
  }

  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", input.string()});
  // A healthy cluster needs well under a second for this input.
  const auto deadline = Clock::now() + 10s;
  while ((tail.running() || ingest.running()) && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(ingest.running()) << "ingest did not finish within 10 s after one garbage frame "
                                    "claiming tick " << tick + 1000 << " (the running tick is " << tick << ")";
  EXPECT_FALSE(tail.running()) << "tail did not finish within 10 s after one garbage frame "
                                  "claiming tick " << tick + 1000 << " (the running tick is " << tick << ")";
  EXPECT_EQ(ingest.exit_status(), std::optional<int>(0)) << ingest.read_stderr();
  EXPECT_EQ(tail.exit_status(), std::optional<int>(0)) << tail.read_stderr();
  EXPECT_SAME_OUTPUT(tail.read_stdout(), expected, "tail --sink out");
  for (const Worker& w : workers) EXPECT_TRUE(w.process->running()) << w.name;
}

TEST_F(ClusterTest, UnreachableZooKeeperIsReportedWithin10Seconds) {
  const std::string closed = "127.0.0.1:" + std::to_string(test_support::free_loopback_port());
  const std::string listen = "tcp://127.0.0.1:" + std::to_string(test_support::free_loopback_port());
  const auto start = Clock::now();
  std::vector<Process*> commands = {
      &spawn("status", {"status", "--zk", closed}),
      &spawn("submit", {"submit", "--zk", closed,
                        (fs::path(source_root_) / "graphs/ticks/wordcount-3.json").string()}),
      &spawn("worker", {"worker", "--zk", closed, "--name", "w1", "--listen", listen}),
  };
  for (Process* p : commands) {
    SCOPED_TRACE(p->args().at(1));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(start + 10s - Clock::now());
    const auto status = p->wait_for(std::max(left, 0ms));
    ASSERT_TRUE(status.has_value()) << "still running after 10 s";
    EXPECT_NE(*status, 0);
    EXPECT_LT(*status, 128) << test_support::describe(*status);
    EXPECT_NE(p->read_stderr().find("unreachable"), std::string::npos) << p->read_stderr();
    EXPECT_NE(p->read_stderr().find(closed), std::string::npos) << p->read_stderr();
  }
  std::printf("all three gave up after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         Clock::now() - start)
                                         .count()));
}

}  // namespace
}  // namespace flamestream
