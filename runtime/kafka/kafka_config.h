// What the Kafka source and the Kafka topic writer share: a librdkafka configuration with the
// brokers and settings given (a bad setting throws KafkaError), a handle made from it, and the partition count of a topic
// (a missing topic, or no broker answering within 10 s, throws KafkaError naming it).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

struct rd_kafka_conf_s;
struct rd_kafka_s;

namespace flamestream {

rd_kafka_conf_s* kafka_config(const std::string& brokers,
                              const std::vector<std::pair<std::string, std::string>>& settings);
// A librdkafka handle of `type` (RD_KAFKA_PRODUCER or RD_KAFKA_CONSUMER) that owns `conf`.
rd_kafka_s* kafka_handle(int type, rd_kafka_conf_s* conf);
std::int32_t topic_partitions(rd_kafka_s* handle, const std::string& brokers, const std::string& topic);

}  // namespace flamestream
