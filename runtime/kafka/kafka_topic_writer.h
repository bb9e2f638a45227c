// Lines into an Apache Kafka topic exactly once, for `flamestream tail --to-kafka`.
//
// A transactional producer (librdkafka) writes the lines to partition 0 of the topic, in order, and
// commits them in transactions together with its position — the number of lines committed so far,
// kept as the offset of consumer group "flamestream-position-ID" on that partition (sent with
// send_offsets_to_transaction, so the lines and the count commit or abort as one). Opening with
// the same transactional id fences any earlier writer and aborts its open transaction, then
// reads the position back. Invariant: a read_committed consumer of the topic sees exactly the
// first position() lines of the stream, each once; the writer's caller skips that many lines of a
// deterministic stream and gives it the rest.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

struct rd_kafka_s;
struct rd_kafka_consumer_group_metadata_s;

namespace flamestream {

class KafkaTopicWriter {
 public:
  // Waits for a broker while none answers, with BrokerWait's growing pause (said once on stderr),
  // for ever (`broker_wait` zero) or up to `broker_wait`; throws KafkaError then, or if the topic
  // does not exist, or the transactions cannot be set up.
  KafkaTopicWriter(const std::string& brokers, const std::string& topic, const std::string& id,
                   std::chrono::milliseconds broker_wait = std::chrono::milliseconds(0));
  ~KafkaTopicWriter();
  KafkaTopicWriter(const KafkaTopicWriter&) = delete;
  KafkaTopicWriter& operator=(const KafkaTopicWriter&) = delete;

  // Lines committed by this writer and every earlier one with its id.
  std::uint64_t position() const { return committed_; }
  // Adds a line to the open transaction (opening one if none is).
  void write(std::string_view line);
  // Commits the open transaction with the new position; nothing open: nothing to do. A transaction
  // the broker aborted throws KafkaError: the lines since the last commit are not in the topic, and
  // a new writer (a new tail) goes on from position().
  void commit();
  // Commits when the open transaction is older than `interval`.
  void commit_if_older(std::chrono::milliseconds interval);

 private:
  // Waits for a broker, checks the topic, starts the transactions and reads the position back.
  void start(const std::string& brokers, const std::string& id, std::chrono::milliseconds broker_wait);

  rd_kafka_s* producer_ = nullptr;
  rd_kafka_consumer_group_metadata_s* group_ = nullptr;
  std::string topic_;
  std::uint64_t committed_ = 0;
  std::uint64_t written_ = 0;  // committed_ plus the lines of the open transaction
  bool open_ = false;
  std::chrono::steady_clock::time_point opened_;
};

}  // namespace flamestream
