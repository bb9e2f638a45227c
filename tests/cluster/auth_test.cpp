// Authentication (issue 24): a cluster runs with a key (flamestream keys); workers take ZeroMQ
// connections from holders of the key only (CURVE, and a ZAP handler that admits the cluster's
// client key alone), and the cluster's ZooKeeper nodes are the key holders' only (a digest ACL).
// A stranger who reaches the workers' ports — with plain ZeroMQ, or with CURVE and the servers'
// public key but a key pair of their own — changes nothing: forged minimal times and item pages
// are never delivered, the output is exact, no worker crashes. Clients without the key are
// refused with exit 2 and a message that says what is missing, and write nothing.

#include "tests/cluster/fault_fixture.h"

#include <sys/stat.h>

#include <zmq.hpp>

namespace flamestream::cluster_test {
namespace {

using AuthTest = FaultTest;

// A stranger's socket to `endpoint`: plain, or CURVE with the cluster's server public key (the
// worst case: that key leaked) but a client key pair that is not the cluster's.
zmq::socket_t stranger(zmq::context_t& context, const std::string& endpoint, bool curve,
                       const ClusterKey& cluster, const std::string& identity) {
  zmq::socket_t s(context, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, 0);
  s.set(zmq::sockopt::routing_id, identity);
  if (curve) {
    ClusterKey own = ClusterKey::generate();
    own.server_public = cluster.server_public;
    secure_client(s, &own);
  }
  s.connect(endpoint);
  return s;
}

TEST_F(AuthTest, ForgedMinimalTimesAndItemPagesWithoutTheKeyChangeNothing) {
  Job job = start_job(21);
  wait_for_output(*job.tail, job.expected.size() / 5);
  const std::uint64_t tick = tick_id(job.node);
  const auto epoch = commit_record(job.node).value("epoch", std::uint64_t{0});
  // What a peer of this run would send: the minimal time at infinity (everything released), the
  // page of 48 bytes that made a worker exit, and a page of well-formed items. Under a peer's
  // identity, so that only authentication stands in the way.
  const std::vector<std::string> forged = {
      wire::encode(wire::Message{tick, 0, wire::MinTimeUpdate{kInfinity}, epoch}),
      std::string(48, '\x5a'),
      valid_messages(tick)[0],
  };
  const std::string identity = "peer/" + std::to_string(tick) + "/" + std::to_string(epoch) + "/0/7";
  zmq::context_t context;
  std::vector<zmq::socket_t> sockets;
  for (bool curve : {false, true})
    for (const Worker& w : job.workers) sockets.push_back(stranger(context, w.endpoint, curve, *key_, identity));
  for (int round = 0; round < 20 && job.ingest->running(); ++round) {
    for (auto& s : sockets)
      for (const std::string& m : forged) s.send(zmq::buffer(m), zmq::send_flags::dontwait);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(job.ingest->running()) << "the job ended before the forgeries were all sent: the test proves less";
  // "Everything released" would show here at once had the forged minimal time been taken.
  const RunResult status = flamestream({"status", "--zk", zk_});
  EXPECT_EQ(status.status, 0) << status.err;
  EXPECT_EQ(status.out.find("infinity (everything released)"), std::string::npos) << status.out;
  sockets.clear();

  expect_exact_output(job);
  expect_status(0);
  EXPECT_EQ(commit_record(job.node).value("epoch", std::uint64_t{0}), epoch) << "a stranger's page started a recovery";
  for (const Worker& w : job.workers) {
    const std::string err = w.process->read_stderr();
    EXPECT_TRUE(w.process->running()) << w.name << ": " << err;
    // Only the CURVE stranger gets as far as asking; the plain one fails ZeroMQ's handshake.
    EXPECT_EQ(count_of(err, "refused a connection without the cluster key"), 1u) << w.name << ": " << err;
    EXPECT_EQ(err.find("dropped a message"), std::string::npos) << w.name << " received a forged message: " << err;
  }
}

// `flamestream` with FLAMESTREAM_KEY_FILE unset, so only the given options say what key to use.
RunResult without_key_variable(const std::string& bin, std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), {"/usr/bin/env", "-u", kKeyFileVariable, bin});
  return test_support::run(args, input);
}

TEST_F(AuthTest, ClientsAndWorkersWithoutTheKeyAreRefusedAndWriteNothing) {
  const fs::path input = write_text(22, 3000, 400);
  const std::string expected = reference_wordcount(input);
  const auto [workers, node] = start_example_tick();
  wait_until_running(workers, node);
  const fs::path tick_file = fs::path(source_root_) / "graphs/ticks/wordcount-3.json";
  const fs::path other_key = dir_ / "other.key";
  ASSERT_EQ(flamestream({"keys", other_key.string()}).status, 0);

  const std::vector<std::vector<std::string>> commands = {
      {"submit", "--zk", zk_, tick_file.string()},
      {"ingest", "--zk", zk_, "--front", "in", input.string()},
      {"tail", "--zk", zk_, "--sink", "out"},
      {"status", "--zk", zk_},
      {"rescale", "--zk", zk_, "--workers", "w1,w2"},
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(command[0]);
    // No key at all: refused before anything is contacted.
    const RunResult none = without_key_variable(bin_, command);
    EXPECT_EQ(none.status, 2) << none.err;
    EXPECT_NE(none.err.find("no cluster key: give --key-file FILE or set FLAMESTREAM_KEY_FILE"), std::string::npos)
        << none.err;
    // --insecure, or another cluster's key: ZooKeeper refuses every read and write.
    for (const std::vector<std::string>& how : {std::vector<std::string>{"--insecure"},
                                                 std::vector<std::string>{"--key-file", other_key.string()}}) {
      std::vector<std::string> args = command;
      args.insert(args.end() - (command[0] == "submit" ? 1 : 0), how.begin(), how.end());
      const RunResult r = without_key_variable(bin_, args);
      EXPECT_EQ(r.status, 2) << how[0] << ": " << r.err;
      EXPECT_NE(r.err.find("not authenticated"), std::string::npos) << how[0] << ": " << r.err;
      EXPECT_NE(r.err.find("belong to the holders of its key"), std::string::npos) << how[0] << ": " << r.err;
      EXPECT_TRUE(r.out.empty()) << how[0] << ": " << r.out;
    }
  }
  EXPECT_EQ(tick_nodes(), std::vector<std::string>{node}) << "a refused submit or rescale wrote a tick";

  // A worker without the key cannot register (and so cannot be named in a tick).
  const std::string listen = "tcp://127.0.0.1:" + std::to_string(test_support::free_loopback_port());
  const RunResult stray = without_key_variable(
      bin_, {"worker", "--zk", zk_, "--insecure", "--name", "w9", "--listen", listen, "--data-dir",
             (dir_ / "w9-data").string()});
  EXPECT_EQ(stray.status, 2) << stray.err;
  EXPECT_NE(stray.err.find("not authenticated"), std::string::npos) << stray.err;
  EXPECT_EQ(registered_workers().count("w9"), 0u);

  // The key holders' job is untouched.
  const std::string text = test_support::read_file(input);
  EXPECT_SAME_OUTPUT(ingest_and_tail(input, node, std::count(text.begin(), text.end(), '\n')), expected,
                     "tail --sink out");
  expect_status_done(workers, node);
}

TEST_F(AuthTest, KeysWritesAPrivateFileOnceAndABadKeyFileIsNamed) {
  const fs::path file = dir_ / "new.key";
  const RunResult made = flamestream({"keys", file.string()});
  ASSERT_EQ(made.status, 0) << made.err;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string text = test_support::read_file(file);
  EXPECT_NE(text, test_support::read_file(key_file_)) << "two keys came out the same";

  const RunResult again = flamestream({"keys", file.string()});
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("cannot create the cluster key file '" + file.string() + "'"), std::string::npos) << again.err;
  EXPECT_EQ(test_support::read_file(file), text) << "an existing key was replaced";

  // A secret key that does not match its public key, and a file that is not a key at all.
  std::string damaged = text;
  const auto at = damaged.find("client-secret ") + std::string("client-secret ").size();
  damaged[at] = damaged[at] == 'a' ? 'b' : 'a';
  const fs::path bad = dir_ / "damaged.key";
  test_support::write_file(bad, damaged);
  const RunResult r1 = without_key_variable(bin_, {"status", "--zk", zk_, "--key-file", bad.string()});
  EXPECT_EQ(r1.status, 2);
  EXPECT_NE(r1.err.find("cluster key file '" + bad.string() + "': a public key does not match its secret key"),
            std::string::npos)
      << r1.err;
  const std::string missing = (dir_ / "missing.key").string();
  const RunResult r2 = without_key_variable(bin_, {"status", "--zk", zk_, "--key-file", missing});
  EXPECT_EQ(r2.status, 2);
  EXPECT_NE(r2.err.find("cannot read the cluster key file '" + missing + "'"), std::string::npos) << r2.err;
  const RunResult both = flamestream({"status", "--zk", zk_, "--insecure", "--key-file", file.string()});
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("--key-file and --insecure contradict each other"), std::string::npos) << both.err;
}

}  // namespace
}  // namespace flamestream::cluster_test
