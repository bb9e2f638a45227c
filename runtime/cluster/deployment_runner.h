// Runs one deployment (tick) on this worker process, epoch after epoch.
//
// An epoch is one run of the WorkerLoop over the deployment. With exactly-once, each epoch starts
// from the deployment's commit record: the last durable commit's state, the fronts' ingestion logs
// replayed from there. When a worker of the deployment restarted (a new incarnation under its
// name), the first worker to notice bumps the epoch in the record — one compare-and-set, so the
// bump happens once — and every worker stops its loop (the supervisor sees the new epoch) and
// starts the next epoch from the same commit. Without exactly-once there is one epoch, 0.
#pragma once

#include <filesystem>
#include <vector>

#include "runtime/cluster/worker_supervisor.h"
#include "runtime/engine/partition_source.h"
#include "runtime/engine/transport.h"

namespace flamestream {

struct DeploymentContext {
  ZkClient& zk;
  zmq::context_t& context;
  Transport& transport;
  WorkerState& state;
  EngineConfig config;
  std::filesystem::path data_dir;
  std::uint64_t output_retention_bytes = 0;  // of each sink's output log (0: everything)
  metrics::WorkerMetrics* metrics = nullptr;  // where each run publishes its metrics (none: nowhere)
  // Opens a Kafka front's partitions (runtime/kafka/partition_reader.h; none: Kafka fronts fail).
  std::function<std::unique_ptr<PartitionSource>(const KafkaFrontSpec&, const std::vector<PartitionStart>&)> open_kafka;
};

// Runs `tick` until this process terminates or a newer tick names it. Returns the messages that
// arrived for a later tick. Throws (with the file named) when committed state cannot be restored.
std::vector<Transport::Incoming> run_deployment(const DeployedTick& tick, DeploymentContext& context,
                                                std::vector<Transport::Incoming> backlog);

}  // namespace flamestream
