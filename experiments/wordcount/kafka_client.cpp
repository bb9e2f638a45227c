#include "experiments/wordcount/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "runtime/kafka/kafka_config.h"

namespace wordcount_bench {
// The project's librdkafka configuration and handle (runtime/kafka/kafka_config.h): a bad setting
// throws KafkaError, a std::runtime_error.
using flamestream::kafka_config;
using flamestream::kafka_handle;

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void create_topic(const std::string& brokers, const std::string& spec) {
  const auto colon = spec.rfind(':');
  const std::string name = spec.substr(0, colon);
  const int partitions = colon == std::string::npos ? 1 : std::stoi(spec.substr(colon + 1));
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> admin(kafka_handle(RD_KAFKA_PRODUCER, kafka_config(brokers, {})),
                                                          rd_kafka_destroy);
  char err[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, err, sizeof err);
  if (!topic) throw std::runtime_error("topic " + spec + ": " + err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
  rd_kafka_CreateTopics(admin.get(), &topic, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
  std::string error = event ? "" : "no answer from " + brokers + " in 30 s";
  if (event && rd_kafka_event_error(event)) error = rd_kafka_event_error_string(event);
  if (event && error.empty()) {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
    for (size_t i = 0; i < n; ++i)
      if (rd_kafka_topic_result_error(results[i])) error = rd_kafka_topic_result_error_string(results[i]);
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(topic);
  if (!error.empty()) throw std::runtime_error("creating topic " + name + ": " + error);
}

KafkaProducer::KafkaProducer(const std::string& brokers) {
  // linger.ms 1: a record leaves within a millisecond (the default, 5 ms, would add to every
  // latency); the large queue lets a closed-loop run run ahead of the broker.
  rd_kafka_conf_t* conf = kafka_config(brokers, {{"linger.ms", "1"},
                                           {"queue.buffering.max.messages", "2000000"},
                                           {"queue.buffering.max.kbytes", "1048576"}});
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    delivered(rk, m, opaque);
  });
  rd_kafka_conf_set_opaque(conf, this);
  handle_ = kafka_handle(RD_KAFKA_PRODUCER, conf);
}

KafkaProducer::~KafkaProducer() {
  for (auto& [name, topic] : topics_) rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(handle_);
}

void KafkaProducer::delivered(rd_kafka_s*, const void* message, void* opaque) {
  const auto* m = static_cast<const rd_kafka_message_t*>(message);
  auto* self = static_cast<KafkaProducer*>(opaque);
  if (m->err && self->failed_.fetch_add(1) == 0)
    std::fprintf(stderr, "kafka_load: a record was not delivered: %s\n", rd_kafka_err2str(m->err));
}

void KafkaProducer::send(const std::string& topic, std::string_view word, std::int64_t timestamp_ms) {
  auto it = topics_.find(topic);
  if (it == topics_.end()) it = topics_.emplace(topic, rd_kafka_topic_new(handle_, topic.c_str(), nullptr)).first;
  void* data = const_cast<char*>(word.data());
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        handle_, RD_KAFKA_V_RKT(it->second), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(data, word.size()), RD_KAFKA_V_VALUE(data, word.size()),
        RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
      throw std::runtime_error("producing to " + topic + ": " + rd_kafka_err2str(err));
    rd_kafka_poll(handle_, 5);  // the queue is full: deliver some first
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
}

void KafkaProducer::serve(int timeout_ms) { rd_kafka_poll(handle_, timeout_ms); }

void KafkaProducer::flush() {
  if (rd_kafka_flush(handle_, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::to_string(rd_kafka_outq_len(handle_)) + " records still undelivered 60 s after the last");
}

KafkaConsumer::KafkaConsumer(const std::string& brokers, const std::string& topic) : topic_(topic) {
  // fetch.wait.max.ms 5: a fetch waiting at the last stable offset returns soon after a commit
  // moves it, so the consumer's own wait adds at most a few ms to a latency.
  handle_ = kafka_handle(RD_KAFKA_CONSUMER, kafka_config(brokers, {{"group.id", "kafka-load"},
                                                       {"enable.auto.commit", "false"},
                                                       {"isolation.level", "read_committed"},
                                                       {"fetch.wait.max.ms", "5"}}));
  rd_kafka_poll_set_consumer(handle_);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(handle_, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(handle_, 0, rkt, &md, 10000);
  rd_kafka_topic_destroy(rkt);
  if (err || md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0) {
    const std::string why = err ? rd_kafka_err2str(err) : md->topics[0].err ? rd_kafka_err2str(md->topics[0].err) : "no partitions";
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(handle_);
    throw std::runtime_error("topic " + topic + " at " + brokers + ": " + why);
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
  for (int p = 0; p < md->topics[0].partition_cnt; ++p)
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), md->topics[0].partitions[p].id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_metadata_destroy(md);
  rd_kafka_assign(handle_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
}

KafkaConsumer::~KafkaConsumer() {
  rd_kafka_consumer_close(handle_);
  rd_kafka_destroy(handle_);
}

void KafkaConsumer::poll(int timeout_ms, const std::function<void(std::string_view)>& line) {
  for (int wait = timeout_ms;; wait = 0) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle_, wait);
    if (!m) return;
    if (!m->err) {
      line(std::string_view(static_cast<const char*>(m->payload), m->len));
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && !said_error_) {
      said_error_ = true;
      std::fprintf(stderr, "kafka_load: reading %s: %s\n", topic_.c_str(), rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }
}

}  // namespace wordcount_bench
