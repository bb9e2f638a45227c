// Input lines from an Apache Kafka topic (librdkafka), for `flamestream ingest --kafka`.
//
// Reads every partition of the topic from its first record, with read_committed isolation (a
// transactional producer's aborted records never enter). Each record's value is one line or more:
// it is split at newlines, like a file. The partitions are read as the broker hands them out, so
// the lines of one partition keep their order. With `until_end` the source ends once every
// partition was read up to where it ended when the source started; otherwise it follows the topic
// for ever. Invariant: a record is yielded once per source, and lines are numbered 1, 2, ... in the
// order they are yielded. No broker answering at construction is waited for, with BrokerWait's
// growing pause (said once on stderr), for ever or up to `broker_wait`, then KafkaError; a missing
// topic throws KafkaError at once; a broker that goes away later is waited for (librdkafka
// reconnects), said once on stderr.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <stdexcept>
#include <string>

#include "front/source.h"

struct rd_kafka_s;

namespace flamestream {

class KafkaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class KafkaSource : public Source {
 public:
  // A line longer than `max_line_bytes` throws InputError naming it, as DescriptorSource does.
  // `broker_wait` zero: wait for a broker for ever.
  KafkaSource(const std::string& brokers, const std::string& topic, bool until_end,
              std::size_t max_line_bytes = kDefaultMaxLineBytes,
              std::chrono::milliseconds broker_wait = std::chrono::milliseconds(0));
  ~KafkaSource() override;
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  std::optional<Line> next() override;
  bool ready() override;

  std::size_t partitions() const { return end_.size(); }
  std::uint64_t records() const { return records_; }

 private:
  // Waits for a broker, reads where the partitions end and assigns them all.
  void start(const std::string& brokers, std::chrono::milliseconds broker_wait);
  // Takes one record (or event) from the consumer, waiting at most `timeout_ms`.
  void poll(int timeout_ms);
  bool ended() const;

  rd_kafka_s* consumer_ = nullptr;
  std::string topic_;
  bool until_end_;
  std::size_t max_line_;
  std::map<std::int32_t, std::int64_t> end_;       // partition -> its end when the source started
  std::map<std::int32_t, std::int64_t> position_;  // partition -> the next offset to read
  std::deque<std::string> lines_;                  // taken from records, not yet yielded
  std::uint64_t number_ = 0;
  std::uint64_t records_ = 0;
  bool said_error_ = false;
};

}  // namespace flamestream
