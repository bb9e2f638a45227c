// The Kafka front inside the workers, end to end: a tick whose front reads a topic of three
// partitions (one front instance a partition, spread over w1, w2, w3), word count, the output
// through `tail --to-kafka`, read back by kcat with read_committed. Word count's output, as a
// multiset, does not depend on the order the partitions' records were stamped in (each word's
// counts 1..n), so the sorted output must equal the sorted reference, each line once.
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/cluster/kafka_fixture.h"

namespace flamestream::cluster_test {
namespace {

class KafkaFrontTest : public KafkaTest {
 protected:
  // Word count over w1, w2, w3 reading `in` inside the workers; the sink on w2, the acker on w3.
  std::string kafka_tick(const std::string& in, const std::string& extra = "") const {
    return R"({"graph": "wordcount", "workers": ["w1", "w2", "w3"], "fronts": {"in": "*"},
               "sinks": {"out": "w2"}, "acker": "w3", "tick_ms": 100,
               "kafka": {"in": {"brokers": ")" + brokers_ + R"(", "topic": ")" + in + "\"" + extra + "}}}";
  }
};

TEST_F(KafkaFrontTest, ATopicReadInsideTheWorkersGivesTheReferenceOutput) {
  const fs::path input = write_text(81, 40'000, 4000);
  const std::string expected = reference_wordcount(input);
  const std::string in = topic("in", 3), out = topic("out", 1);
  produce(in, input);
  auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_json(kafka_tick(in));
  wait_until_running(workers, node);
  Process& tail = tail_to("tail", out);
  EXPECT_EQ(tail.wait_for(120s), std::optional<int>(0)) << tail.read_stderr();
  const std::string got = consume(out);
  EXPECT_EQ(count_lines(got), count_lines(expected));
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic, sorted");
  // The commit record keeps each partition's offset: the front's determinant.
  const auto record = commit_record(node);
  ASSERT_TRUE(record.contains("partitions")) << record.dump();
  EXPECT_EQ(record["partitions"].size(), 3u) << record.dump();
  for (const Worker& w : workers) EXPECT_TRUE(w.process->running()) << w.name << ": " << w.process->read_stderr();
}

TEST_F(KafkaFrontTest, KillNineOfAWorkerReadingPartitionsMidRunLeavesTheTopicExact) {
  const fs::path input = write_text(82, 1'500'000, 50'000);
  const std::string expected = reference_wordcount(input);
  const std::string in = topic("in", 3), out = topic("out", 1);
  produce(in, input);
  auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_json(kafka_tick(in));
  wait_until_running(workers, node);
  Process& tail = tail_to("tail", out);
  // Mid-run: some output committed to the topic, far from all of it.
  const auto deadline = Clock::now() + 60s;
  std::size_t before = 0;
  while ((before = committed_lines(out)) < 2000) {
    ASSERT_LT(Clock::now(), deadline) << "no output in the topic within 60 s: " << tail.read_stderr();
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(tail.running()) << "the job ended before the kill; the test would prove nothing";
  kill_worker(workers[0]);  // w1: partition 0's front instance
  restart_worker(workers[0]);
  EXPECT_EQ(tail.wait_for(240s), std::optional<int>(0)) << tail.read_stderr();
  const std::string got = consume(out);
  EXPECT_LT(before, count_lines(expected));
  EXPECT_EQ(count_lines(got), count_lines(expected));
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic after kill -9 of w1, sorted");
  EXPECT_NE(workers[0].process->read_stderr().find("committed up to"), std::string::npos);
}

TEST_F(KafkaFrontTest, ALiveRescaleKeepsTheFrontsPartitionsAndTheOutputExact) {
  const fs::path input = write_text(85, 1'500'000, 50'000);
  const std::string expected = reference_wordcount(input);
  const std::string in = topic("in", 3), out = topic("out", 1);
  produce(in, input);
  auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_json(
      R"({"graph": "wordcount", "workers": ["w1", "w2"], "fronts": {"in": "*"}, "sinks": {"out": "w2"},
          "tick_ms": 100, "kafka": {"in": {"brokers": ")" + brokers_ + R"(", "topic": ")" + in + R"("}}})");
  wait_until_running({workers[0], workers[1]}, node);
  Process& tail = tail_to("tail", out);
  const auto deadline = Clock::now() + 60s;
  while (committed_lines(out) < 2000) {
    ASSERT_LT(Clock::now(), deadline) << "no output in the topic within 60 s: " << tail.read_stderr();
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(tail.running()) << "the job ended before the rescale; the test would prove nothing";
  const RunResult r = flamestream({"rescale", "--zk", zk_, "--workers", "w1,w2,w3"});
  ASSERT_EQ(r.status, 0) << r.err;
  wait_until_running(workers, submitted_node(r));
  EXPECT_EQ(tail.wait_for(240s), std::optional<int>(0)) << tail.read_stderr();
  const std::string got = consume(out);
  EXPECT_EQ(count_lines(got), count_lines(expected));
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic after a live rescale, sorted");
}

TEST_F(KafkaFrontTest, AFollowingFrontWithIdlePartitionsSurvivesKillNineExactly) {
  // The input arrives in 24 bursts 300 ms apart: between them every partition is idle longer
  // than idle_ms, so the fronts promise the wall clock (logged), and the output still moves.
  const fs::path input = write_text(83, 240'000, 20'000);
  const std::string expected = reference_wordcount(input);
  const std::string in = topic("in", 3), out = topic("out", 1);
  auto workers = start_workers({"w1", "w2", "w3"});
  const std::string node = submit_json(kafka_tick(in, R"(, "follow": true, "idle_ms": 100)"));
  wait_until_running(workers, node);
  Process& tail = tail_to("tail", out);
  std::thread producer([&] {
    const RunResult r = shell("cd " + dir_.string() + " && split -n l/24 -d " + input.string() + " burst- && " +
                              "for f in burst-*; do kcat -b " + brokers_ + " -P -t " + in + " < $f || exit 1; " +
                              "sleep 0.3; done", 120s);
    EXPECT_EQ(r.status, 0) << r.err;
  });
  const auto deadline = Clock::now() + 60s;
  std::size_t before = 0;
  while ((before = committed_lines(out)) < 2000 && Clock::now() < deadline) std::this_thread::sleep_for(100ms);
  EXPECT_GE(before, 2000u) << "no output in the topic within 60 s: " << tail.read_stderr();
  kill_worker(workers[0]);  // w1: partition 0's front instance
  restart_worker(workers[0]);
  producer.join();
  // A following front never ends: wait until the topic holds as many lines as the reference.
  const std::size_t total = count_lines(expected);
  const auto done_by = Clock::now() + 120s;
  while (committed_lines(out) < total && Clock::now() < done_by) std::this_thread::sleep_for(500ms);
  std::this_thread::sleep_for(2s);  // anything written twice would show by now
  const std::string got = consume(out);
  EXPECT_LT(before, total);
  EXPECT_EQ(count_lines(got), total);
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic of a following front after kill -9, sorted");
  // The idle partitions' promises were logged before the acker heard them.
  bool logged = false;
  for (const auto& e : fs::recursive_directory_iterator(dir_))
    logged = logged || (e.path().filename().string().ends_with(".seg") &&
                        e.path().parent_path().filename().string().ends_with(".promises") && fs::file_size(e.path()) > 0);
  EXPECT_TRUE(logged) << "no idle promise was logged";
  ::kill(tail.pid(), SIGTERM);
  tail.wait_for(10s);
}

TEST_F(KafkaFrontTest, ABrokerDownWhenTheTickStartsIsWaitedFor) {
  const fs::path input = write_text(84, 30'000, 3000);
  const std::string expected = reference_wordcount(input);
  const std::string in = topic("in", 3), out = topic("out", 1);
  produce(in, input);
  auto workers = start_workers({"w1", "w2", "w3"});
  const std::string port = brokers_.substr(brokers_.find(':') + 1);
  RunResult r = script({"stop"});
  ASSERT_EQ(r.status, 0) << r.err;
  // The partition count given, submit does not ask the broker; the workers deploy without it.
  const std::string node = submit_json(kafka_tick(in, R"(, "partitions": 3)"));
  wait_until_running(workers, node);
  std::this_thread::sleep_for(3s);
  bool said = false;
  for (const Worker& w : workers) {
    EXPECT_TRUE(w.process->running()) << w.name << ": " << w.process->read_stderr();
    said = said || w.process->read_stderr().find("cannot read where its partitions end") != std::string::npos;
  }
  EXPECT_TRUE(said) << "no worker said the broker was away: " << workers[0].process->read_stderr();
  EXPECT_EQ(flamestream({"status", "--zk", zk_}).status, 0);  // the workers keep serving
  // A client's lines are refused, saying why.
  const RunResult ingest = flamestream({"ingest", "--zk", zk_, "--front", "in"}, "some words\n");
  EXPECT_EQ(ingest.status, 2) << ingest.err;
  EXPECT_NE(ingest.err.find("reads a Kafka topic inside the workers"), std::string::npos) << ingest.err;
  r = script({"start", port}, 90s);
  ASSERT_EQ(r.status, 0) << r.err;
  Process& tail = tail_to("tail", out);
  EXPECT_EQ(tail.wait_for(120s), std::optional<int>(0)) << tail.read_stderr();
  const std::string got = consume(out);
  EXPECT_EQ(count_lines(got), count_lines(expected));
  EXPECT_SAME_OUTPUT(sorted(got), sorted(expected), "the output topic after the broker came up, sorted");
}

TEST_F(KafkaFrontTest, AMissingTopicFailsTheSubmitOrTheTickNamingIt) {
  auto workers = start_workers({"w1", "w2", "w3"});
  // Asked of the broker at submit: nothing is written.
  RunResult r = flamestream({"submit", "--zk", zk_, "-"}, kafka_tick("no-such-topic"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("Kafka topic 'no-such-topic' does not exist"), std::string::npos) << r.err;
  // A tick that says how many partitions it has is not asked about: the workers find the topic
  // missing and fail the tick, which tail reports.
  const std::string node = submit_json(kafka_tick("no-such-topic", R"(, "partitions": 3)"));
  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  EXPECT_EQ(tail.wait_for(60s), std::optional<int>(2)) << tail.read_stderr();
  EXPECT_NE(tail.read_stderr().find("Kafka topic 'no-such-topic' does not exist"), std::string::npos)
      << tail.read_stderr();
  for (const Worker& w : workers) EXPECT_TRUE(w.process->running()) << w.name << ": " << w.process->read_stderr();
}

}  // namespace
}  // namespace flamestream::cluster_test
