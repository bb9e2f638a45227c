#include "runtime/kafka/partition_reader.h"

#include <librdkafka/rdkafka.h>

#include <iostream>
#include <memory>

#include "runtime/kafka/broker_wait.h"
#include "runtime/kafka/kafka_config.h"
#include "runtime/kafka/kafka_source.h"

namespace flamestream {

PartitionReader::PartitionReader(const std::string& brokers, const std::string& topic,
                                 const std::vector<PartitionStart>& starts, bool want_ends)
    : brokers_(brokers), topic_(topic) {
  try {
    rd_kafka_conf_t* conf = kafka_config(brokers, {{"group.id", "flamestream-front"},
                                                   {"enable.auto.commit", "false"},
                                                   {"enable.auto.offset.store", "false"},
                                                   {"enable.partition.eof", "true"},
                                                   {"auto.offset.reset", "earliest"},
                                                   {"isolation.level", "read_committed"}});
    consumer_ = kafka_handle(RD_KAFKA_CONSUMER, conf);
  } catch (const KafkaError& e) {
    throw InputSourceError(e.what());
  }
  rd_kafka_poll_set_consumer(consumer_);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(starts.size()));
  for (const PartitionStart& s : starts) {
    partitions_.push_back(s.partition);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), static_cast<std::int32_t>(s.partition))->offset =
        s.offset;
  }
  const rd_kafka_resp_err_t err = rd_kafka_assign(consumer_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    rd_kafka_destroy(consumer_);
    throw InputSourceError("cannot assign the partitions of Kafka topic '" + topic + "': " + rd_kafka_err2str(err));
  }
  if (want_ends) ends_thread_ = std::thread([this] { ask_ends(); });
}

PartitionReader::~PartitionReader() {
  quit_ = true;
  if (ends_thread_.joinable()) ends_thread_.join();
  rd_kafka_consumer_close(consumer_);
  rd_kafka_destroy(consumer_);
}

void PartitionReader::ask_ends() {
  BrokerWait wait({}, [this] { return quit_.load(); });
  for (;;) {
    std::map<std::uint32_t, std::int64_t> ends;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (std::uint32_t p : partitions_) {
      std::int64_t low = 0, high = 0;
      err = rd_kafka_query_watermark_offsets(consumer_, topic_.c_str(), static_cast<std::int32_t>(p), &low, &high,
                                             wait.try_ms(2000));
      if (err) break;
      ends[p] = high;
    }
    {
      std::lock_guard lock(mutex_);
      if (!err) {
        ends_ = std::move(ends);
        return;
      }
      if (kafka_topic_missing(err)) {
        fatal_ = "Kafka topic '" + topic_ + "' does not exist at " + brokers_ + " (" + rd_kafka_err2str(err) + ")";
        return;
      }
    }
    if (!wait.again("flamestream worker: Kafka topic '" + topic_ + "' at " + brokers_ +
                    ": cannot read where its partitions end (" + rd_kafka_err2str(err) + ")" + wait.retrying()))
      return;  // quit
  }
}

std::optional<std::map<std::uint32_t, std::int64_t>> PartitionReader::end_offsets() {
  std::lock_guard lock(mutex_);
  if (!fatal_.empty()) throw InputSourceError(fatal_);
  return ends_;
}

void PartitionReader::pause(std::uint32_t partition, bool paused) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), static_cast<std::int32_t>(partition));
  if (paused) {
    rd_kafka_pause_partitions(consumer_, list);
  } else {
    rd_kafka_resume_partitions(consumer_, list);
  }
  rd_kafka_topic_partition_list_destroy(list);
}

void PartitionReader::poll(std::vector<PartitionEvent>& out, std::size_t max) {
  for (std::size_t n = 0; n < max; ++n) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 0);
    if (!m) return;
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owned(m, rd_kafka_message_destroy);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      out.push_back({PartitionEvent::Kind::end, static_cast<std::uint32_t>(m->partition), m->offset, 0, {}});
      continue;
    }
    if (kafka_topic_missing(m->err)) {
      out.push_back({PartitionEvent::Kind::fatal, 0, 0, 0,
                     "Kafka topic '" + topic_ + "' does not exist at " + brokers_ + " (" + rd_kafka_message_errstr(m) + ")"});
      return;
    }
    if (m->err) {
      // The broker away, a leader moving: librdkafka retries by itself; say it once.
      if (!said_error_)
        std::cerr << "flamestream worker: Kafka topic '" << topic_ << "': " << rd_kafka_message_errstr(m) << " (retrying)\n";
      said_error_ = true;
      continue;
    }
    said_error_ = false;
    rd_kafka_timestamp_type_t type;
    const std::int64_t ms = rd_kafka_message_timestamp(m, &type);
    out.push_back({PartitionEvent::Kind::record, static_cast<std::uint32_t>(m->partition), m->offset,
                   ms > 0 ? static_cast<Timestamp>(ms) * 1'000'000 : 0,
                   std::string(static_cast<const char*>(m->payload), m->payload ? m->len : 0)});
  }
}

}  // namespace flamestream
