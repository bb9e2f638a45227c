// The Kafka suites' fixture: a real broker (scripts/kafka, one per suite, on a free port) beside
// the real ZooKeeper and worker processes of FaultTest, topics made per test, kcat to produce and
// to read back with read_committed.
#pragma once

#include <algorithm>

#include "tests/cluster/fault_fixture.h"

namespace flamestream::cluster_test {

class KafkaTest : public FaultTest {
 protected:
  static void SetUpTestSuite() {
    FaultTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    kafka_dir_ = test_support::make_temp_dir("flamestream-kafka-test-");
    const RunResult r = script({"start", std::to_string(test_support::free_loopback_port())}, 90s);
    if (r.status != 0) {
      setup_error_ = "scripts/kafka start failed (" + test_support::describe(r.status) + "): " + r.err;
      return;
    }
    brokers_ = r.out.substr(0, r.out.find('\n'));
  }

  static void TearDownTestSuite() {
    if (!kafka_dir_.empty()) {
      script({"stop"}, 60s);
      std::error_code ec;
      fs::remove_all(kafka_dir_, ec);
    }
    FaultTest::TearDownTestSuite();
  }

  static RunResult script(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), {"/usr/bin/env", "FLAMESTREAM_KAFKA_DIR=" + kafka_dir_.string(),
                               (fs::path(source_root_) / "scripts/kafka").string()});
    return test_support::run(args, {}, timeout);
  }

  static RunResult shell(const std::string& command, std::chrono::milliseconds timeout = 60s) {
    return test_support::run({"/bin/bash", "-c", command}, {}, timeout);
  }

  // A fresh topic for this test (the broker is the suite's).
  std::string topic(const std::string& name, int partitions) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string full = std::string(info->name()) + "-" + name;
    const RunResult r = script({"topic", full, std::to_string(partitions)});
    EXPECT_EQ(r.status, 0) << r.err;
    return full;
  }

  // Every line of `file` a record of `topic`, spread over its partitions.
  void produce(const std::string& topic, const fs::path& file) {
    const RunResult r = shell("kcat -b " + brokers_ + " -P -t " + topic + " < " + file.string());
    ASSERT_EQ(r.status, 0) << r.err;
  }

  // What a read_committed consumer sees in `topic` within a second (kcat -e would wait for the
  // end of the partition, which an open transaction holds back).
  std::size_t committed_lines(const std::string& topic) {
    return count_lines(shell("timeout 1 kcat -b " + brokers_ + " -C -q -X isolation.level=read_committed -t " + topic).out);
  }

  // What a read_committed consumer sees in `topic`, from its first record to its end.
  std::string consume(const std::string& topic) {
    const RunResult r =
        shell("kcat -b " + brokers_ + " -C -q -e -X isolation.level=read_committed -t " + topic);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out;
  }

  static std::string sorted(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t begin = 0;
    while (begin < text.size()) {
      const std::size_t end = text.find('\n', begin);
      lines.push_back(text.substr(begin, end - begin));
      if (end == std::string::npos) break;
      begin = end + 1;
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }

  Process& tail_to(const std::string& label, const std::string& out_topic) {
    return spawn(label, {"tail", "--zk", zk_, "--sink", "out", "--to-kafka", brokers_, "--topic", out_topic,
                         "--transactional-id", out_topic});
  }

  // A word-count job over w1, w2, w3 whose input is `input`, in a topic of `in_partitions`
  // partitions (one: read in the file's order, so the output is the reference's, line for line);
  // its output topic (one partition) is empty yet.
  struct KafkaJob {
    std::string expected, in, out;
    std::vector<Worker> workers;
  };
  KafkaJob start_kafka_job(const fs::path& input, int in_partitions = 3) {
    KafkaJob job{reference_wordcount(input), topic("in", in_partitions), topic("out", 1), {}};
    produce(job.in, input);
    job.workers = start_workers({"w1", "w2", "w3"});
    wait_until_running(job.workers, submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json"));
    return job;
  }

  inline static fs::path kafka_dir_;
  inline static std::string brokers_;
};

}  // namespace flamestream::cluster_test
