#include "runtime/kafka/kafka_config.h"

#include <librdkafka/rdkafka.h>

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

std::int32_t topic_partitions(rd_kafka_s* handle, const std::string& brokers, const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(handle, 0, t, &md, 10'000);
  rd_kafka_topic_destroy(t);
  if (err) throw KafkaError("no Kafka broker answered at " + brokers + " within 10 s: " + rd_kafka_err2str(err));
  std::int32_t count = 0;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (md->topic_cnt == 1) {
    topic_err = md->topics[0].err;
    count = md->topics[0].partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  if (topic_err || count == 0)
    throw KafkaError("Kafka topic '" + topic + "' does not exist at " + brokers + " (" + rd_kafka_err2str(topic_err) + ")");
  return count;
}

}  // namespace flamestream
