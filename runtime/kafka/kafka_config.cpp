#include "runtime/kafka/kafka_config.h"

#include <librdkafka/rdkafka.h>

#include <memory>

#include "runtime/kafka/kafka_source.h"

namespace flamestream {

rd_kafka_conf_s* kafka_config(const std::string& brokers,
                              const std::vector<std::pair<std::string, std::string>>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  auto set = [&](const std::string& key, const std::string& value) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw KafkaError("Kafka setting " + key + "=" + value + ": " + error);
    }
  };
  set("bootstrap.servers", brokers);
  set("log_level", "2");  // critical only: transient errors are retried and said by the caller
  for (const auto& [key, value] : settings) set(key, value);
  return conf;
}

rd_kafka_s* kafka_handle(int type, rd_kafka_conf_s* conf) {
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(static_cast<rd_kafka_type_t>(type), conf, error, sizeof error);
  if (!handle) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(std::string("cannot create a Kafka client: ") + error);
  }
  return handle;
}

bool kafka_topic_missing(int err) {
  return err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
         err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
}

std::string no_broker_answered(const std::string& brokers, const BrokerWait& wait, const std::string& error) {
  const auto seconds = (wait.limit().count() + 999) / 1000;
  return "no Kafka broker answered at " + brokers + " within " + std::to_string(seconds) + " s: " + error;
}

std::int32_t topic_partitions(rd_kafka_s* handle, const std::string& brokers, const std::string& topic,
                              const std::string& who, BrokerWait& wait) {
  std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)> t(
      rd_kafka_topic_new(handle, topic.c_str(), nullptr), rd_kafka_topic_destroy);
  for (;;) {
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(handle, 0, t.get(), &md, wait.try_ms(2000));
    std::string failure;
    if (!err) {
      std::int32_t count = 0;
      rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      if (md->topic_cnt == 1) {
        topic_err = md->topics[0].err;
        count = md->topics[0].partition_cnt;
      }
      rd_kafka_metadata_destroy(md);
      if (!topic_err && count > 0) return count;
      // A broker that just started may not have elected the topic's leaders yet: wait for that too.
      if (topic_err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
        throw KafkaError("Kafka topic '" + topic + "' does not exist at " + brokers + " (" +
                         rd_kafka_err2str(topic_err) + ")");
      failure = who + ": Kafka topic '" + topic + "' at " + brokers + " has no leader yet (" +
                rd_kafka_err2str(topic_err) + ")" + wait.retrying();
    } else {
      failure = who + ": no Kafka broker answered at " + brokers + " (" + rd_kafka_err2str(err) + ")" + wait.retrying();
    }
    if (!wait.again(failure))
      throw KafkaError(no_broker_answered(brokers, wait, rd_kafka_err2str(err ? err : RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)));
  }
}

}  // namespace flamestream
