// The Kafka ends of kafka_load (the word-count benchmark through Kafka): a producer of keyed,
// timestamped records, a read_committed consumer of every partition of a topic, and topic
// creation (librdkafka). Only this benchmark's needs: a record's key and value are the same word.
// Invariant: every record handed to send() is either delivered or counted in failed(); a broker
// error is said on stderr (once per kind), never swallowed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

struct rd_kafka_s;
struct rd_kafka_topic_s;

namespace wordcount_bench {

// The system clock in ns since the epoch: latencies compare it with Kafka timestamps (ms).
std::int64_t wall_ns();

// Creates topic NAME:PARTITIONS (replication factor 1); a topic that exists already is an error.
void create_topic(const std::string& brokers, const std::string& name_and_partitions);

class KafkaProducer {
 public:
  explicit KafkaProducer(const std::string& brokers);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues `word` (key and value) for `topic` with CreateTime `timestamp_ms`; waits while the
  // local queue is full.
  void send(const std::string& topic, std::string_view word, std::int64_t timestamp_ms);
  // Serves delivery reports, waiting at most `timeout_ms`.
  void serve(int timeout_ms);
  // Waits until every queued record was delivered or failed (at most 60 s, else throws).
  void flush();
  std::uint64_t sent() const { return sent_.load(); }
  std::uint64_t failed() const { return failed_.load(); }

 private:
  static void delivered(rd_kafka_s*, const void* message, void* opaque);

  rd_kafka_s* handle_ = nullptr;
  std::map<std::string, rd_kafka_topic_s*, std::less<>> topics_;
  std::atomic<std::uint64_t> sent_{0}, failed_{0};
};

class KafkaConsumer {
 public:
  // Every partition of `topic`, from its first record, read_committed.
  KafkaConsumer(const std::string& brokers, const std::string& topic);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Hands each record's value that arrives within `timeout_ms` to `line` (and those already
  // fetched), then returns.
  void poll(int timeout_ms, const std::function<void(std::string_view)>& line);

 private:
  rd_kafka_s* handle_ = nullptr;
  std::string topic_;
  bool said_error_ = false;
};

}  // namespace wordcount_bench
