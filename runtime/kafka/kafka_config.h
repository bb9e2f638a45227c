// What the Kafka clients share: a librdkafka configuration with the brokers and settings given (a
// bad setting throws KafkaError), a handle made from it, whether an error means a missing topic,
// and the partition count of a topic — asked again, with BrokerWait's growing pause, while no
// broker answers; a missing topic, or the wait's limit reached, throws KafkaError naming it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/kafka/broker_wait.h"

struct rd_kafka_conf_s;
struct rd_kafka_s;

namespace flamestream {

rd_kafka_conf_s* kafka_config(const std::string& brokers,
                              const std::vector<std::pair<std::string, std::string>>& settings);
// A librdkafka handle of `type` (RD_KAFKA_PRODUCER or RD_KAFKA_CONSUMER) that owns `conf`.
rd_kafka_s* kafka_handle(int type, rd_kafka_conf_s* conf);
// Whether librdkafka error `err` (an rd_kafka_resp_err_t) says the topic or partition does not exist.
bool kafka_topic_missing(int err);
// `who` opens the message said once on stderr while no broker answers (e.g. "flamestream ingest").
std::int32_t topic_partitions(rd_kafka_s* handle, const std::string& brokers, const std::string& topic,
                              const std::string& who, BrokerWait& wait);
// The message of a wait given up: "no Kafka broker answered at BROKERS within N s: ERROR".
std::string no_broker_answered(const std::string& brokers, const BrokerWait& wait, const std::string& error);

}  // namespace flamestream
