// Kafka in and out, end to end: a real broker (scripts/kafka, one per suite, on a free port), a
// real ZooKeeper, worker processes, `ingest --kafka` from a topic of three partitions and
// `tail --to-kafka` into a topic, read back by kcat with read_committed. The partitions are read
// in whatever order the broker hands them out, so the counts come in another order than the
// file's: each word's counts 1..n must each be there once, which is the sorted reference. A topic
// of one partition is read in the file's order: its output is the reference itself.
#include "tests/cluster/kafka_fixture.h"

namespace flamestream::cluster_test {
namespace {

TEST_F(KafkaTest, WordCountFromTopicToTopicEqualsTheReference) {
  const fs::path input = write_text(71, 30'000, 3000);
  auto [expected, in, out, workers] = start_kafka_job(input);
  Process& tail = tail_to("tail", out);
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", "--kafka", brokers_, "--topic", in});
  EXPECT_EQ(ingest.wait_for(60s), std::optional<int>(0)) << ingest.read_stderr();
  EXPECT_NE(ingest.read_stderr().find(std::to_string(count_lines(test_support::read_file(input))) + " lines into front 'in'"),
            std::string::npos)
      << ingest.read_stderr();
  EXPECT_EQ(tail.wait_for(60s), std::optional<int>(0)) << tail.read_stderr();
  const std::string got = consume(out);
  EXPECT_EQ(count_lines(got), count_lines(expected));
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic, sorted");
  // A tail started again writes nothing twice.
  Process& again = tail_to("tail-again", out);
  EXPECT_EQ(again.wait_for(60s), std::optional<int>(0)) << again.read_stderr();
  EXPECT_EQ(consume(out), got);
}

TEST_F(KafkaTest, KillNineOfAWorkerAndOfTheTailMidRunLeavesTheTopicExact) {
  const fs::path input = write_text(72, 200'000, 20'000);
  auto [expected, in, out, workers] = start_kafka_job(input);
  Process* tail = &tail_to("tail", out);
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", "--kafka", brokers_, "--topic", in,
                                     "--rate", "4000"});
  // Mid-run: some output committed to the topic, far from all of it.
  const auto deadline = Clock::now() + 60s;
  std::size_t before = 0;
  while ((before = committed_lines(out)) < 2000) {
    ASSERT_LT(Clock::now(), deadline) << "no output in the topic within 60 s: " << tail->read_stderr();
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_LT(before, count_lines(expected) / 2);
  ::kill(tail->pid(), SIGKILL);
  ASSERT_TRUE(tail->wait_for(10s).has_value());
  kill_worker(workers[1]);  // w2: a front instance and a sink instance
  restart_worker(workers[1]);
  tail = &tail_to("tail-restarted", out);
  EXPECT_EQ(ingest.wait_for(120s), std::optional<int>(0)) << ingest.read_stderr();
  EXPECT_EQ(tail->wait_for(120s), std::optional<int>(0)) << tail->read_stderr();
  const std::string got = consume(out);
  EXPECT_EQ(count_lines(got), count_lines(expected));
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic after kill -9, sorted");
}

TEST_F(KafkaTest, RecordsThatAreNotUtf8TextPassThroughLikeAnyLine) {
  // Invalid UTF-8, a NUL byte, a lone continuation byte, an empty record, control characters.
  std::string text = generate_text(73, 5000, 500);
  text += std::string("caf\xC3 \xFF\xFEgarbage\n") + std::string("nul\0byte here\n", 15) +
          "\x80\x80 alone\n\n\x01\x02\x1B[31mred\n";
  const fs::path input = dir_ / "garbage.txt";
  test_support::write_file(input, text);
  auto [expected, in, out, workers] = start_kafka_job(input);
  Process& tail = tail_to("tail", out);
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", "--kafka", brokers_, "--topic", in});
  EXPECT_EQ(ingest.wait_for(60s), std::optional<int>(0)) << ingest.read_stderr();
  EXPECT_EQ(tail.wait_for(60s), std::optional<int>(0)) << tail.read_stderr();
  EXPECT_NE(expected.find("garbage\t1\n"), std::string::npos) << "the reference lost the line after bad bytes";
  const std::string got = consume(out);
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic of garbage records, sorted");
  for (const Worker& w : workers) EXPECT_TRUE(w.process->running()) << w.name << ": " << w.process->read_stderr();
}

TEST_F(KafkaTest, TheBrokerRestartedMidRunLosesAndDuplicatesNothing) {
  // ~7,500 lines at 1,000 a second: the job spans the broker's restart.
  const fs::path input = write_text(74, 80'000, 3'000);
  auto [expected, in, out, workers] = start_kafka_job(input);
  Process& tail = tail_to("tail", out);
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", "--kafka", brokers_, "--topic", in,
                                     "--rate", "1000"});
  const auto deadline = Clock::now() + 60s;
  while (committed_lines(out) < 500) {
    ASSERT_LT(Clock::now(), deadline) << "no output in the topic within 60 s: " << tail.read_stderr();
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(tail.running()) << "the job ended before the broker stopped; the test would prove nothing";
  const std::string port = brokers_.substr(brokers_.find(':') + 1);
  RunResult r = script({"stop"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::this_thread::sleep_for(1s);
  r = script({"start", port}, 90s);
  ASSERT_EQ(r.status, 0) << r.err;
  // The tail's producer waited for the broker (its transaction spanned the outage): it still runs,
  // or it has already finished the job since the broker came back.
  const auto early = tail.wait_for(0ms);
  EXPECT_TRUE(!early || *early == 0) << "tail gave up while the broker was away: " << tail.read_stderr();
  EXPECT_EQ(ingest.wait_for(120s), std::optional<int>(0)) << ingest.read_stderr();
  EXPECT_EQ(tail.wait_for(120s), std::optional<int>(0)) << tail.read_stderr();
  const std::string got = consume(out);
  EXPECT_EQ(count_lines(got), count_lines(expected));
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic after a broker restart, sorted");
}

TEST_F(KafkaTest, AMissingTopicOrBrokerExitsTwoNamingIt) {
  auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json");
  wait_until_running(workers, node);
  RunResult r = flamestream({"ingest", "--zk", zk_, "--front", "in", "--kafka", brokers_, "--topic", "no-such-topic"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("Kafka topic 'no-such-topic' does not exist"), std::string::npos) << r.err;
  r = flamestream({"tail", "--zk", zk_, "--sink", "out", "--to-kafka", brokers_, "--topic", "no-such-topic"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("Kafka topic 'no-such-topic' does not exist"), std::string::npos) << r.err;
  // No broker at all: with --broker-wait-s each client retries, says so once, and gives up after it.
  const std::string dead = "127.0.0.1:" + std::to_string(test_support::free_loopback_port());
  const auto before_ingest = Clock::now();
  r = flamestream({"ingest", "--zk", zk_, "--front", "in", "--kafka", dead, "--topic", "x", "--broker-wait-s", "2"});
  const auto ingest_took = Clock::now() - before_ingest;
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no Kafka broker answered at " + dead + " within 2 s"), std::string::npos) << r.err;
  EXPECT_EQ(count_of(r.err, "retrying"), 1u) << r.err;
  EXPECT_GE(ingest_took, 2s);
  EXPECT_LT(ingest_took, 8s);
  r = flamestream({"tail", "--zk", zk_, "--sink", "out", "--to-kafka", dead, "--topic", "x", "--broker-wait-s", "2"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no Kafka broker answered at " + dead + " within 2 s"), std::string::npos) << r.err;
  EXPECT_EQ(count_of(r.err, "retrying"), 1u) << r.err;
}

TEST_F(KafkaTest, ABrokerDownWhenTheClientsStartIsWaitedForAndTheTopicIsExact) {
  // One input partition: ingest reads the file's order, so the output topic must be the
  // reference itself, line for line, each line once.
  const fs::path input = write_text(75, 30'000, 3000);
  auto [expected, in, out, workers] = start_kafka_job(input, 1);
  const std::string port = brokers_.substr(brokers_.find(':') + 1);
  RunResult r = script({"stop"});
  ASSERT_EQ(r.status, 0) << r.err;
  Process& tail = tail_to("tail", out);
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", "--kafka", brokers_, "--topic", in});
  std::this_thread::sleep_for(4s);
  const std::string waiting = "no Kafka broker answered at " + brokers_;
  for (Process* p : {&tail, &ingest}) {
    EXPECT_TRUE(p->running()) << "a client gave up while the broker was away: " << p->read_stderr();
    EXPECT_NE(p->read_stderr().find(waiting), std::string::npos) << p->read_stderr();
    EXPECT_EQ(count_of(p->read_stderr(), "retrying"), 1u) << "said more than once: " << p->read_stderr();
  }
  r = script({"start", port}, 90s);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(ingest.wait_for(120s), std::optional<int>(0)) << ingest.read_stderr();
  EXPECT_EQ(tail.wait_for(120s), std::optional<int>(0)) << tail.read_stderr();
  EXPECT_NE(ingest.read_stderr().find("answered; reading topic"), std::string::npos) << ingest.read_stderr();
  EXPECT_NE(tail.read_stderr().find("answered; writing topic"), std::string::npos) << tail.read_stderr();
  EXPECT_SAME_OUTPUT(consume(out), expected, "the output topic of clients started while the broker was down");
}

}  // namespace
}  // namespace flamestream::cluster_test
