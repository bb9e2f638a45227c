#include "runtime/kafka/kafka_source.h"

#include <librdkafka/rdkafka.h>

#include <iostream>
#include <memory>

#include "model/errors.h"
#include "runtime/kafka/kafka_config.h"

namespace flamestream {

KafkaSource::KafkaSource(const std::string& brokers, const std::string& topic, bool until_end,
                         std::size_t max_line_bytes, std::chrono::milliseconds broker_wait)
    : topic_(topic), until_end_(until_end), max_line_(max_line_bytes) {
  rd_kafka_conf_t* conf = kafka_config(brokers, {{"group.id", "flamestream-ingest"},
                                                 {"enable.auto.commit", "false"},
                                                 {"enable.partition.eof", "true"},
                                                 {"isolation.level", "read_committed"}});
  consumer_ = kafka_handle(RD_KAFKA_CONSUMER, conf);
  try {
    start(brokers, broker_wait);
  } catch (...) {
    rd_kafka_destroy(consumer_);
    throw;
  }
}

void KafkaSource::start(const std::string& brokers, std::chrono::milliseconds broker_wait) {
  rd_kafka_poll_set_consumer(consumer_);
  BrokerWait wait(broker_wait);
  const char* who = "flamestream ingest";
  const std::int32_t count = topic_partitions(consumer_, brokers, topic_, who, wait);
  std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)> list(
      rd_kafka_topic_partition_list_new(count), rd_kafka_topic_partition_list_destroy);
  for (std::int32_t p = 0; p < count; ++p) {
    std::int64_t low = 0, high = 0;
    // A broker that came back a moment ago may not lead the partition yet: asked again like it.
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_query_watermark_offsets(consumer_, topic_.c_str(), p, &low, &high, wait.try_ms(10'000)))) {
      const std::string failure = "cannot read where partition " + std::to_string(p) + " of topic '" + topic_ +
                                  "' ends: " + rd_kafka_err2str(err);
      if (kafka_topic_missing(err) || !wait.again(std::string(who) + ": " + failure + wait.retrying()))
        throw KafkaError(failure);
    }
    end_[p] = high;
    position_[p] = low;
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (wait.failed())
    std::cerr << who << ": the Kafka broker at " << brokers << " answered; reading topic '" << topic_ << "'\n";
  const rd_kafka_resp_err_t err = rd_kafka_assign(consumer_, list.get());
  if (err) throw KafkaError(std::string("cannot assign the partitions of '") + topic_ + "': " + rd_kafka_err2str(err));
}

KafkaSource::~KafkaSource() {
  if (!consumer_) return;
  rd_kafka_consumer_close(consumer_);
  rd_kafka_destroy(consumer_);
}

bool KafkaSource::ended() const {
  if (!until_end_ || !lines_.empty()) return false;
  for (const auto& [p, end] : end_)
    if (position_.at(p) < end) return false;
  return true;
}

void KafkaSource::poll(int timeout_ms) {
  rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, timeout_ms);
  if (!m) return;
  std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owned(m, rd_kafka_message_destroy);
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    // Every record below m->offset was read (control records of transactions included).
    position_[m->partition] = std::max(position_[m->partition], m->offset);
    return;
  }
  if (m->err) {
    // The broker away, a leader moving: librdkafka retries by itself; say it once.
    if (!said_error_) std::cerr << "flamestream ingest: Kafka: " << rd_kafka_message_errstr(m) << " (retrying)\n";
    said_error_ = true;
    return;
  }
  said_error_ = false;
  ++records_;
  position_[m->partition] = std::max(position_[m->partition], m->offset + 1);
  const std::string_view value(static_cast<const char*>(m->payload), m->payload ? m->len : 0);
  std::size_t begin = 0;
  while (begin <= value.size()) {
    const std::size_t end = value.find('\n', begin);
    if (end == std::string_view::npos) {
      if (begin < value.size() || begin == 0) lines_.emplace_back(value.substr(begin));
      break;
    }
    lines_.emplace_back(value.substr(begin, end - begin));
    begin = end + 1;
  }
}

bool KafkaSource::ready() {
  if (lines_.empty() && !ended()) poll(0);
  return !lines_.empty() || ended();
}

std::optional<Line> KafkaSource::next() {
  while (lines_.empty()) {
    if (ended()) return std::nullopt;
    poll(100);
  }
  // Refused once every line before it was yielded, and again if asked again (as a file's).
  if (lines_.front().size() > max_line_) throw InputError(line_too_long(number_ + 1, max_line_));
  Line line{++number_, std::move(lines_.front())};
  lines_.pop_front();
  return line;
}

}  // namespace flamestream
