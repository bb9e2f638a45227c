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

#include "tests/cluster/cluster_fixture.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>

namespace flamestream::cluster_test {
namespace {

TEST_F(ClusterTest, ThreeWorkersReleaseWhatTheEmbeddedEngineAndTheReferenceDo) {
  const fs::path input = write_text(1, 30000, 3000);
  const std::string expected = reference_wordcount(input);
  ASSERT_GE(count_lines(expected), 30000u);

  const auto [workers, node] = start_example_tick();
  const std::string output = ingest_and_tail(input, node, count_lines(test_support::read_file(input)));
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

// Three ingest clients at once, each bound to one front instance (--front in@wN), each on its own
// time axis: the words interleave in an order that depends on the clients' clocks, but the counts
// must be a word count of all three inputs together — for every word, its counts 1..n each once.
TEST_F(ClusterTest, ConcurrentIngestClientsEachBoundToOneFrontInstanceCountEveryWordOnce) {
  const auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_json(R"({"graph": "wordcount", "workers": ["w1", "w2", "w3"],
    "fronts": {"in": "*"}, "sinks": {"out": "w2"}, "acker": "w3"})");
  wait_until_running(workers, node);
  std::vector<Process*> clients;
  std::string all;
  for (int i = 1; i <= 3; ++i) {
    const fs::path input = dir_ / ("part" + std::to_string(i) + ".txt");
    const std::string text = generate_text(40 + i, 20000, 500);
    test_support::write_file(input, text);
    all += text;
    clients.push_back(&spawn("ingest-" + std::to_string(i),
                             {"ingest", "--zk", zk_, "--front", "in@w" + std::to_string(i), input.string()}));
  }
  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  // How often each word occurs in the three inputs together, as the job's own tokenizer sees it.
  test_support::write_file(dir_ / "all.txt", all);
  std::map<std::string, std::size_t> occurrences;
  std::istringstream reference(reference_wordcount(dir_ / "all.txt"));
  for (std::string line; std::getline(reference, line);) ++occurrences[line.substr(0, line.find('\t'))];
  for (Process* c : clients) EXPECT_EQ(c->wait_for(120s), std::optional<int>(0)) << c->read_stderr();
  ASSERT_EQ(tail.wait_for(120s), std::optional<int>(0)) << tail.read_stderr();
  std::map<std::string, std::vector<std::size_t>> counts;
  std::istringstream lines(tail.read_stdout());
  for (std::string line; std::getline(lines, line);) {
    const auto tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    counts[line.substr(0, tab)].push_back(std::stoul(line.substr(tab + 1)));
  }
  ASSERT_EQ(counts.size(), occurrences.size());
  for (const auto& [word, n] : occurrences) {
    std::vector<std::size_t> got = counts[word];
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << word << ": a word's counts are released in order";
    std::vector<std::size_t> want(n);
    std::iota(want.begin(), want.end(), 1);
    EXPECT_EQ(got, want) << word;
  }
  expect_clean_shutdown(workers);
}

// A tick that names no placement gets a front and a sink on every worker: `tail` merges the three
// sink instances into the reference order, and each instance read alone (--instance W) holds a
// part of that order, the three parts together all of it.
TEST_F(ClusterTest, SinkInstancesReadAloneArePartsOfTheMergedOrder) {
  const fs::path input = write_text(7, 20000, 2000);
  const std::string expected = reference_wordcount(input);
  const auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_json(R"({"graph": "wordcount", "workers": ["w1", "w2", "w3"]})");
  wait_until_running(workers, node);
  const std::string merged = ingest_and_tail(input, node, count_lines(test_support::read_file(input)));
  EXPECT_SAME_OUTPUT(merged, expected, "tail --sink out");

  std::multiset<std::string> merged_lines, union_of_parts;
  std::istringstream all(merged);
  for (std::string line; std::getline(all, line);) merged_lines.insert(line);
  for (const std::string w : {"w1", "w2", "w3"}) {
    Process& one = spawn("tail-" + w, {"tail", "--zk", zk_, "--sink", "out", "--instance", w});
    ASSERT_EQ(one.wait_for(60s), std::optional<int>(0)) << one.read_stderr();
    const std::string part = one.read_stdout();
    EXPECT_FALSE(part.empty()) << w << "'s sink instance released nothing";
    // In merged order: each line of the part appears in the merged output after the previous one
    // (word count's lines are unique: a word's count n is released once).
    const std::string framed = "\n" + merged;
    std::size_t at = 0;
    std::istringstream lines(part);
    for (std::string line; std::getline(lines, line);) {
      union_of_parts.insert(line);
      const auto found = framed.find("\n" + line + "\n", at);
      ASSERT_NE(found, std::string::npos) << w << ": '" << line << "' is not in the merged order";
      at = found + line.size() + 1;
    }
  }
  EXPECT_EQ(union_of_parts, merged_lines);
  expect_clean_shutdown(workers);
}

// A worker keeping 1 MiB of its sink's output log: the oldest lines' disk blocks are freed while
// the job runs, and `tail` from the first line says which lines are gone, prints the rest — the
// reference's last lines, exactly — and exits 1.
TEST_F(ClusterTest, OutputLogRetentionFreesOldLinesAndTailSaysWhichAreGone) {
  const fs::path input = write_text(11, 400000, 5000);
  const std::string expected = reference_wordcount(input);
  ASSERT_GT(expected.size(), 3u << 20);
  const auto workers = std::vector<Worker>{start_worker("solo", {"--output-retention-mib", "1"})};
  const std::string node = submit_json(R"({"graph": "wordcount", "workers": ["solo"]})");
  wait_until_running(workers, node);
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", input.string()});
  ASSERT_EQ(ingest.wait_for(120s), std::optional<int>(0)) << ingest.read_stderr();
  expect_status_done(workers, node);
  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  EXPECT_EQ(tail.wait_for(60s), std::optional<int>(1)) << "tail: " << tail.read_stderr();
  EXPECT_NE(tail.read_stderr().find("were removed by its output log's retention"), std::string::npos)
      << tail.read_stderr();
  const std::string kept = tail.read_stdout();
  EXPECT_GT(kept.size(), 1u << 19);
  EXPECT_LT(kept.size(), expected.size());
  ASSERT_TRUE(expected.ends_with(kept)) << "tail printed something other than the reference's last lines";
  EXPECT_TRUE(kept.empty() || expected[expected.size() - kept.size() - 1] == '\n') << "a partial first line";
  std::uintmax_t on_disk = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir_ / "solo-data")) {
    struct stat st{};
    if (f.path().filename() == "sink-out.out" && ::stat(f.path().c_str(), &st) == 0)
      on_disk += static_cast<std::uintmax_t>(st.st_blocks) * 512;
  }
  EXPECT_GT(on_disk, 0u);
  EXPECT_LT(on_disk, 2u << 20) << "the output log holds more than its retention on disk";
  expect_clean_shutdown(workers);
}

TEST_F(ClusterTest, IngestPassesALiveStreamsLinesOnWithoutWaitingForABatchToFill) {
  const auto [workers, node] = start_example_tick();
  expect_live_stream_flows(workers, node);
}

// With a front on every worker one client deals its input out over them: in a pause, the
// instances that got no line have only the client's promise to go on, and every held item waits
// for it (a promise once went out in the wrong field, and the minimal time never moved).
TEST_F(ClusterTest, ALiveStreamDealtOverAFrontOnEveryWorkerIsReleasedWhileOpen) {
  const std::vector<Worker> workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_json(R"({"graph": "wordcount", "workers": ["w1", "w2", "w3"]})");
  expect_live_stream_flows(workers, node);
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
      // The last "graph" would win: paper-grouping would be deployed under a file saying wordcount.
      {"duplicate key", R"({"graph": "wordcount", "graph": "paper-grouping"})", {"\"graph\" appears twice"}},
      {"NUL byte", std::string(R"({"graph": "wordcount"})") + std::string(1, '\0') + R"(, "graph": "x"})",
       {"NUL byte at offset 22"}},
      // Nested 100 000 deep: a recursive walk over it (dump) overflowed the stack.
      {"deep nesting", R"({"graph": "wordcount", "params": {"colour": )" + std::string(100000, '[') +
                           std::string(100000, ']') + "}}",
       {"nested deeper than 64 levels"}},
      {"bytes after the document", R"({"graph": "wordcount"} {"graph": "wordcount"})", {"not valid JSON"}},
      {"Kafka on a sink", R"({"graph": "wordcount", "kafka": {"out": {"brokers": "b:9092", "topic": "t"}}})",
       {"'kafka.out'", "no such front", "valid: in"}},
      {"Kafka without a topic", R"({"graph": "wordcount", "kafka": {"in": {"brokers": "b:9092"}}})",
       {"'kafka.in.topic'", "is missing"}},
      {"Kafka with an unknown field",
       R"({"graph": "wordcount", "kafka": {"in": {"brokers": "b:9092", "topic": "t", "group": "g"}}})",
       {"'kafka.in.group'", "unknown field"}},
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
  const RunResult no_rate = flamestream({"ingest", "--zk", zk_, "--front", "in", "--rate", "0"}, "w\n");
  EXPECT_EQ(no_rate.status, 2) << no_rate.err;
  EXPECT_NE(no_rate.err.find("--rate must be at least 1"), std::string::npos) << no_rate.err;

  const RunResult status = flamestream({"status", "--zk", zk_});
  EXPECT_EQ(status.status, 0) << status.err;
  EXPECT_NE(status.out.find("ticks: 1\n  " + node + "  graph wordcount"), std::string::npos) << status.out;
}

// Garbage on every worker's port while a job runs: raw TCP bytes (which never get past the CURVE
// handshake), and ZeroMQ frames that are not messages, from a client holding the cluster key.
// Every worker survives, drops them, says so once, and the output is unchanged.
TEST_F(ClusterTest, GarbageOnTheWorkersPortsIsDroppedAndTheJobCompletes) {
  const fs::path input = write_text(4, 150000, 5000);
  const std::string expected = reference_wordcount(input);

  const auto [workers, node] = start_example_tick();
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
    secure_client(dealers.back(), &*key_);  // garbage from a holder of the key; strangers: auth_test.cpp
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
TEST_F(ClusterTest, GarbageClaimingALaterTickNeitherEndsNorStallsTheTick) {
  const fs::path input = write_text(5, 3000, 500);
  const std::string expected = reference_wordcount(input);

  const auto [workers, node] = start_example_tick();
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
      secure_client(dealer, &*key_);
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
}  // namespace flamestream::cluster_test
