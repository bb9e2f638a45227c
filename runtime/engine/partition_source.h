// What a partitioned front (a Kafka front) pulls its records from: some partitions of one topic,
// each read in offset order from a given offset. The engine sees only this interface; the
// librdkafka implementation is runtime/kafka/partition_reader.h, chosen by whoever deploys.
//
// Invariant: poll() never waits, so the worker loop that calls it keeps serving; a broker that is
// away is the implementation's to retry, a topic or partition that is gone comes back as a fatal
// event naming it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/graph.h"
#include "model/meta.h"

namespace flamestream {

// A partitioned front cannot go on (its topic is gone, a record cannot be taken): the tick fails
// with this message, on every worker.
class InputSourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PartitionEvent {
  enum class Kind { record, end, fatal };
  Kind kind = Kind::record;
  std::uint32_t partition = 0;
  // record: its offset; end: the next offset (everything below was read, transaction markers
  // included).
  std::int64_t offset = 0;
  Timestamp ts = 0;   // record: its timestamp in nanoseconds (0: none)
  std::string value;  // record: its value; fatal: what went wrong
};

class PartitionSource {
 public:
  virtual ~PartitionSource() = default;
  // Appends up to `max` events that arrived, without waiting.
  virtual void poll(std::vector<PartitionEvent>& out, std::size_t max) = 0;
  // Where each partition read ends now (its high watermark), once known; the implementation asks
  // the broker off the caller's thread and keeps asking while it is away.
  virtual std::optional<std::map<std::uint32_t, std::int64_t>> end_offsets() = 0;
  // Stops (or starts again) fetching `partition`: the caller's back-pressure, one partition at a
  // time, since partitions that run ahead must not stop the one the minimal time waits for.
  // Events fetched before a pause may still come.
  virtual void pause(std::uint32_t partition, bool paused) = 0;
};

// Where reading a partition starts: the offset of the first record to read.
struct PartitionStart {
  std::uint32_t partition = 0;
  std::int64_t offset = 0;
};

// Opens a source over `starts` (one topic; the function knows which).
using PartitionSourceFactory =
    std::function<std::unique_ptr<PartitionSource>(const std::vector<PartitionStart>&)>;

// A partitioned front of the deployment, as the engine needs it.
struct PartitionInput {
  NodeId front = 0;
  std::string label;        // for messages: "front 'in' (Kafka topic 'words')"
  bool follow = false;      // false: the front ends where its partitions ended when it first started
  std::uint64_t idle_ms = 200;  // an idle partition promises the wall clock after this long
  PartitionSourceFactory open;
};

// A partition's determinant in a commit: the first record with a line at or above the commit end,
// how many of its lines lie below it, and the time that line is stamped at least.
struct PartitionPosition {
  std::int64_t offset = 0;
  std::uint32_t skip = 0;
  Timestamp floor = 0;
};

// Exactly-once: where each partition front restarts, by (front, partition).
using PartitionPositions = std::map<std::pair<NodeId, std::uint32_t>, PartitionPosition>;

}  // namespace flamestream
