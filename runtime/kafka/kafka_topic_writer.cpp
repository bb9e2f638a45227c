#include "runtime/kafka/kafka_topic_writer.h"

#include <librdkafka/rdkafka.h>

#include <iostream>

#include "runtime/kafka/kafka_config.h"
#include "runtime/kafka/kafka_source.h"

namespace flamestream {

namespace {

constexpr int kTimeoutMs = 30'000;

// Throws KafkaError for a failed transactional call.
void check(rd_kafka_error_t* error, const char* what) {
  if (!error) return;
  const std::string message = std::string("Kafka, ") + what + ": " + rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  throw KafkaError(message);
}

// The offset consumer group `group` committed on partition 0 of `topic` (read_committed: only what
// a committed transaction wrote), or 0.
std::uint64_t committed_position(const std::string& brokers, const std::string& topic, const std::string& group) {
  rd_kafka_conf_t* conf = kafka_config(brokers, {{"group.id", group},
                                                 {"enable.auto.commit", "false"},
                                                 {"isolation.level", "read_committed"}});
  rd_kafka_t* consumer = kafka_handle(RD_KAFKA_CONSUMER, conf);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0);
  const rd_kafka_resp_err_t err = rd_kafka_committed(consumer, list, kTimeoutMs);
  const std::int64_t offset = list->elems[0].offset;
  const rd_kafka_resp_err_t part_err = list->elems[0].err;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(consumer);
  if (err || part_err)
    throw KafkaError("cannot read the committed position of '" + group + "': " + rd_kafka_err2str(err ? err : part_err));
  return offset >= 0 ? static_cast<std::uint64_t>(offset) : 0;
}

}  // namespace

KafkaTopicWriter::KafkaTopicWriter(const std::string& brokers, const std::string& topic, const std::string& id,
                                   std::chrono::milliseconds broker_wait)
    : topic_(topic) {
  rd_kafka_conf_t* conf = kafka_config(brokers, {{"transactional.id", id},
                                                 {"linger.ms", "5"},
                                                 {"transaction.timeout.ms", "60000"}});
  producer_ = kafka_handle(RD_KAFKA_PRODUCER, conf);
  try {
    start(brokers, id, broker_wait);
  } catch (...) {
    if (group_) rd_kafka_consumer_group_metadata_destroy(group_);
    rd_kafka_destroy(producer_);
    throw;
  }
}

void KafkaTopicWriter::start(const std::string& brokers, const std::string& id, std::chrono::milliseconds broker_wait) {
  BrokerWait wait(broker_wait);
  const char* who = "flamestream tail";
  topic_partitions(producer_, brokers, topic_, who, wait);  // waits for a broker; throws for a missing topic
  // Fences an earlier writer with this id and aborts what it left open. A broker that came back a
  // moment ago may not have its transaction coordinator ready: a retriable error is waited out.
  for (;;) {
    rd_kafka_error_t* error = rd_kafka_init_transactions(producer_, kTimeoutMs);
    if (!error || !rd_kafka_error_is_retriable(error)) {
      check(error, "starting transactions");
      break;
    }
    const std::string failure = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    if (!wait.again(std::string(who) + ": Kafka at " + brokers + ", starting transactions: " + failure +
                    wait.retrying()))
      throw KafkaError("Kafka, starting transactions: " + failure);
  }
  const std::string group = "flamestream-position-" + id;
  group_ = rd_kafka_consumer_group_metadata_new(group.c_str());
  committed_ = written_ = committed_position(brokers, topic_, group);
  if (wait.failed())
    std::cerr << who << ": the Kafka broker at " << brokers << " answered; writing topic '" << topic_ << "'\n";
}

KafkaTopicWriter::~KafkaTopicWriter() {
  if (open_) rd_kafka_error_destroy(rd_kafka_abort_transaction(producer_, kTimeoutMs));
  if (group_) rd_kafka_consumer_group_metadata_destroy(group_);
  if (producer_) rd_kafka_destroy(producer_);
}

void KafkaTopicWriter::write(std::string_view line) {
  if (!open_) {
    check(rd_kafka_begin_transaction(producer_), "beginning a transaction");
    open_ = true;
    opened_ = std::chrono::steady_clock::now();
  }
  for (;;) {
    const rd_kafka_resp_err_t err =
        rd_kafka_producev(producer_, RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_VALUE(const_cast<char*>(line.data()), line.size()), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_, 10);  // the queue drains as the broker takes the batches
      continue;
    }
    if (err) throw KafkaError(std::string("Kafka, producing a line: ") + rd_kafka_err2str(err));
    break;
  }
  ++written_;
  rd_kafka_poll(producer_, 0);
}

void KafkaTopicWriter::commit() {
  if (!open_) return;
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, topic_.c_str(), 0)->offset = static_cast<std::int64_t>(written_);
  rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(producer_, offsets, group_, kTimeoutMs);
  rd_kafka_topic_partition_list_destroy(offsets);
  check(error, "adding the position to the transaction");
  check(rd_kafka_commit_transaction(producer_, kTimeoutMs), "committing a transaction");
  open_ = false;
  committed_ = written_;
}

void KafkaTopicWriter::commit_if_older(std::chrono::milliseconds interval) {
  if (open_ && std::chrono::steady_clock::now() - opened_ >= interval) commit();
}

}  // namespace flamestream
