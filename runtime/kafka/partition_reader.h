// The librdkafka side of a Kafka front inside the workers (PartitionSource): reads the given
// partitions of one topic from the given offsets, read_committed, without a consumer group (the
// commit record, not the broker, keeps the positions).
//
// Invariant: poll() never waits. The end offsets are asked on a thread of its own, again and
// again with a growing pause while no broker answers (said once on stderr), so a worker whose
// broker is away keeps serving; a topic or partition the broker says does not exist comes back
// as a fatal event (or, asked for the ends, an InputSourceError) naming the topic.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/engine/partition_source.h"

struct rd_kafka_s;

namespace flamestream {

class PartitionReader : public PartitionSource {
 public:
  // `want_ends`: ask the broker where the partitions end (a front that does not follow its topic).
  PartitionReader(const std::string& brokers, const std::string& topic, const std::vector<PartitionStart>& starts,
                  bool want_ends);
  ~PartitionReader() override;
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;

  void poll(std::vector<PartitionEvent>& out, std::size_t max) override;
  std::optional<std::map<std::uint32_t, std::int64_t>> end_offsets() override;
  void pause(std::uint32_t partition, bool paused) override;

 private:
  void ask_ends();

  rd_kafka_s* consumer_ = nullptr;
  std::string brokers_, topic_;
  std::vector<std::uint32_t> partitions_;
  bool said_error_ = false;
  std::mutex mutex_;  // guards ends_ and fatal_, which the ends thread sets
  std::optional<std::map<std::uint32_t, std::int64_t>> ends_;
  std::string fatal_;
  std::atomic<bool> quit_{false};
  std::thread ends_thread_;
};

}  // namespace flamestream
