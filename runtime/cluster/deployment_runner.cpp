#include "runtime/cluster/deployment_runner.h"

#include <iostream>
#include <thread>

#include "runtime/cluster/job_store.h"
#include "runtime/cluster/sink_host.h"
#include "runtime/cluster/state_transfer.h"

namespace flamestream {

namespace {

constexpr auto kRetry = std::chrono::milliseconds(100);

bool superseded(ZkClient& zk, const DeployedTick& tick, const std::string& name) {
  auto latest = latest_tick(zk);
  return latest && supersedes(*latest, tick, name);
}

// A new tick's commit record: empty, or — for a tick that continues another — starting from
// that one's last commit, whose snapshots its workers hold.
CommitRecord first_record(ZkClient& zk, const DeployedTick& tick,
                          const std::map<std::string, std::string>& incarnations) {
  CommitRecord first;
  first.incarnations = incarnations;
  first.started = static_cast<Timestamp>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  if (tick.spec.continues.empty()) return first;
  const auto previous = find_tick(zk, tick.spec.continues);
  const auto before = previous ? read_commit_record(zk, *previous) : std::nullopt;
  if (!before || before->committed == 0) return first;  // nothing committed: replay it all
  first.committed = before->committed;
  first.fronts = before->fronts;
  first.partitions = before->partitions;
  first.state_tick = before->state_tick.empty() ? previous->node : before->state_tick;
  return first;
}

// The commit record the next epoch runs from, once every worker of the tick is registered; bumps
// the epoch when the workers are not the processes the record's epoch ran on, or when `ran` (the
// epoch this process ran last) must not run twice. nullopt: not yet (a peer is starting).
std::optional<CommitRecord> next_epoch(ZkClient& zk, const DeployedTick& tick,
                                       std::optional<std::uint64_t> ran) {
  const auto incarnations = tick_incarnations(zk, tick);
  if (incarnations.size() != tick.spec.workers.size()) return std::nullopt;
  auto record = read_commit_record(zk, tick);
  if (!record) {
    write_commit_record(zk, tick, first_record(zk, tick, incarnations));
    return std::nullopt;  // read it back, whoever created it
  }
  if (record->incarnations == incarnations && record->epoch != ran) return record;
  if (record->committed == kInfinity && !ran) return record;  // complete: nothing to recover
  CommitRecord bumped = *record;
  ++bumped.epoch;
  bumped.incarnations = incarnations;
  write_commit_record(zk, tick, bumped);  // a lost race is fine: someone else bumped
  return std::nullopt;
}

// The ids of the ticks `tick` continues, transitively.
std::vector<std::uint64_t> lineage_of(ZkClient& zk, const DeployedTick& tick) {
  std::vector<std::uint64_t> ids;
  for (std::string node = tick.spec.continues; !node.empty() && ids.size() < 1000;) {
    const auto previous = find_tick(zk, node);
    if (!previous) break;
    ids.push_back(previous->id);
    node = previous->spec.continues;
  }
  return ids;
}

std::vector<std::string> endpoints_of(ZkClient& zk, const TickSpec& spec) {
  const auto registered = registered_workers(zk);
  std::vector<std::string> endpoints;
  for (const auto& w : spec.workers) {
    auto it = registered.find(w);
    if (it == registered.end()) return {};
    endpoints.push_back(it->second.endpoint);
  }
  return endpoints;
}

// The tick's Kafka fronts for the engine, each opening its partitions through `context`.
std::vector<PartitionInput> partition_inputs(const TickSpec& spec, const Job& job, DeploymentContext& context) {
  std::vector<PartitionInput> inputs;
  for (const auto& [node, k] : spec.kafka) {
    PartitionInput in;
    in.front = job.graph.find(node);
    in.label = "front '" + node + "' (Kafka topic '" + k.topic + "' at " + k.brokers + ")";
    in.follow = k.follow;
    in.idle_ms = k.idle_ms;
    if (k.partitions == 0)
      throw InputSourceError(in.label + ": the tick does not say how many partitions the topic has (submit fills it in)");
    if (!context.open_kafka) throw InputSourceError(in.label + ": this worker cannot read Kafka");
    in.open = [&context, k](const std::vector<PartitionStart>& starts) { return context.open_kafka(k, starts); };
    inputs.push_back(std::move(in));
  }
  return inputs;
}

// Where each Kafka front partition restarts: the commit record's determinants.
PartitionPositions partition_positions(const CommitRecord* record, const TickSpec& spec, const Job& job) {
  PartitionPositions out;
  if (!record) return out;
  for (const auto& [node, k] : spec.kafka)
    for (std::uint32_t p = 0; p < k.partitions; ++p)
      if (auto it = record->partitions.find(partition_key(node, p)); it != record->partitions.end())
        out[{job.graph.find(node), p}] = {static_cast<std::int64_t>(it->second[0]),
                                          static_cast<std::uint32_t>(it->second[1]), it->second[2]};
  return out;
}

// Says why the tick failed and writes it to ZooKeeper, where every worker and client sees it;
// `stopped` says what stopping it means for the output.
void fail_tick(ZkClient& zk, WorkerState& state, const DeployedTick& tick, const std::string& message,
               const char* stopped = "the tick is stopped") {
  std::cerr << "flamestream worker " << state.name << ": " << tick.node << " failed: " << message << "; "
            << stopped << "\n";
  try {
    write_failure(zk, tick, message);
  } catch (const ZkError& z) {
    std::cerr << "flamestream worker " << state.name << ": ZooKeeper: " << z.what() << "\n";
  }
}

}  // namespace

std::vector<Transport::Incoming> run_deployment(const DeployedTick& tick, DeploymentContext& context,
                                                std::vector<Transport::Incoming> backlog) {
  ZkClient& zk = context.zk;
  WorkerState& state = context.state;
  const Job job = make_job(tick.spec.graph, tick.spec.params, tick.spec.job);
  const Placement placement = tick.spec.placement(job.graph);
  const WorkerId self = tick.spec.worker_id(state.name);
  const bool exactly_once = tick.spec.exactly_once;
  std::optional<std::uint64_t> ran;
  // Without exactly-once the outputs live in memory, for the one epoch there is.
  std::map<NodeId, std::unique_ptr<OutputLog>> memory_outputs;
  for (NodeId s : job.graph.sinks())
    if (placement.hosts_instance(s, self)) memory_outputs[s] = std::make_unique<OutputLog>();
  while (!state.terminate) {
    std::optional<CommitRecord> record;
    std::vector<std::string> endpoints;
    std::vector<std::uint64_t> lineage;
    try {
      if (superseded(zk, tick, state.name) || read_failure(zk, tick)) break;
      if (exactly_once && !(record = next_epoch(zk, tick, ran))) {
        serve_while_waiting(zk, context.transport, context.data_dir, kRetry, backlog);
        continue;
      }
      if (!exactly_once && ran) break;  // nothing to recover from: the deployment is over here
      if (record && record->committed == kInfinity && !ran) {
        // Everything is committed and released: a worker restarted after the end has no part left.
        std::cerr << "flamestream worker " << state.name << ": " << tick.node
                  << " is complete (everything committed); nothing to run\n";
        break;
      }
      lineage = lineage_of(zk, tick);
      endpoints = endpoints_of(zk, tick.spec);
    } catch (const ZkError& e) {
      std::cerr << "flamestream worker " << state.name << ": ZooKeeper: " << e.what() << "\n";
    }
    if (endpoints.empty()) {  // a peer is (re)starting, or ZooKeeper is away
      serve_while_waiting(zk, context.transport, context.data_dir, kRetry, backlog);
      continue;
    }
    context.transport.connect_peers(endpoints, self,
                                    Transport::peer_identity(tick.id, record ? record->epoch : 0, self),
                                    tick.spec.workers);
    std::optional<WorkerStorage> storage;
    if (exactly_once)
      storage.emplace(context.data_dir / tick.spec.storage_name(tick.node), job.graph, placement, self,
                      context.output_retention_bytes);
    SinkHost sinks(job, placement, self, [&](NodeId sink) -> OutputLog& {
      return storage ? storage->output(sink) : *memory_outputs.at(sink);
    });
    WorkerLoop::Hooks hooks;
    hooks.release = [&](NodeId sink, const Item& item) { sinks.release(sink, item); };
    hooks.on_all_released = [&] { sinks.on_all_released(); };
    hooks.tail = [&](const wire::TailRequest& r) { return sinks.tail(r); };
    hooks.on_min_time = [&](Timestamp t) {
      sinks.on_min_time(t);
      state.on_min_time(t);
    };
    hooks.commit_ready = [&](const ReadyCommit& c) { state.on_commit_ready(c); };
    hooks.on_peer_message_lost = [&](const std::string& why) { state.request_recovery(why); };
    hooks.metrics = context.metrics;
    hooks.serve_state = [&](const wire::StateRequest& r) { return serve_state_request(zk, context.data_dir, r); };
    const PartitionPositions positions = partition_positions(record ? &*record : nullptr, tick.spec, job);
    // A tick that continues another takes the committed state of the keys it now owns from the
    // workers that wrote it; a tick's own commits are restored from this worker's snapshots.
    std::vector<Envelope> handed_over;
    const bool inherited = record && record->committed > 0 && !record->state_tick.empty() &&
                           record->state_tick != tick.node;
    if (inherited) {
      try {
        handed_over = pull_state(zk, context.context, context.transport, context.data_dir, tick,
                                 self, *record, backlog);
      } catch (const ZkError& e) {  // ZooKeeper away: try this epoch again
        std::cerr << "flamestream worker " << state.name << ": ZooKeeper: " << e.what() << "\n";
        serve_while_waiting(zk, context.transport, context.data_dir, kRetry, backlog);
        continue;
      }
    }
    EngineConfig config = context.config;
    config.tick = tick.id;
    config.lineage = std::move(lineage);
    config.epoch = record ? record->epoch : 0;
    config.tick_length = exactly_once ? tick.spec.tick_ms * 1'000'000 : 0;
    std::optional<WorkerLoop> made;
    try {
      hooks.partition_inputs = partition_inputs(tick.spec, job, context);
      made.emplace(job, placement, self, context.transport, config, std::move(hooks),
                   Durability{storage ? &*storage : nullptr, record ? record->committed : 0,
                              inherited ? &handed_over : nullptr, &positions});
    } catch (const InputSourceError& e) {
      fail_tick(zk, state, tick, e.what());
      break;
    }
    WorkerLoop& loop = *made;
    state.start_run({tick, record, &loop, placement.acker_host == self});
    // A peer's connection that lost messages before the run began (while this worker restored its
    // state) counts as much as one during it: the transport's hook found no run to tell then.
    if (const auto& lost = context.transport.messages_lost()) state.request_recovery(*lost);
    std::cerr << "flamestream worker " << state.name << ": running " << tick.node << " epoch "
              << config.epoch << " (" << tick.spec.graph << ", worker " << self + 1 << " of "
              << tick.spec.workers.size() << ", committed up to " << (record ? record->committed : 0)
              << ")\n";
    try {
      backlog = loop.run(std::move(backlog));
    } catch (const InputSourceError& e) {
      // The topic is gone or a record cannot be taken: every epoch would stop at the same place.
      state.end_run();
      fail_tick(zk, state, tick, e.what());
      break;
    } catch (const JobFunctionError& e) {
      // Rerunning would throw again on the same item: the tick stops for good, on every worker.
      state.end_run();
      const std::string message = (tick.spec.job.empty() ? "catalog job" : "job '" + job_name(tick.spec.job) + "' (" + tick.spec.job + ")") +
                                  ", graph '" + tick.spec.graph + "', on " + state.name + ": " + e.what();
      fail_tick(zk, state, tick, message, "the tick is stopped, nothing after that item is released");
      break;
    }
    state.end_run();
    ran = config.epoch;
  }
  return backlog;
}

}  // namespace flamestream
