#include "runtime/cluster/finished_sinks.h"

#include <algorithm>

#include "graphs/catalog.h"
#include "runtime/cluster/cluster_state.h"
#include "runtime/cluster/sink_log.h"

namespace flamestream {

std::optional<wire::TailReply> FinishedSinks::serve(ZkClient& zk, std::uint64_t tick_id,
                                                    const wire::TailRequest& request) {
  try {
    return try_serve(zk, tick_id, request);
  } catch (const std::exception&) {
    // ZooKeeper away, or a log that cannot be read: the tail asks again; the worker goes on.
    return std::nullopt;
  }
}

std::optional<wire::TailReply> FinishedSinks::try_serve(ZkClient& zk, std::uint64_t tick_id,
                                                        const wire::TailRequest& request) {
  const auto ticks = all_ticks(zk);
  const auto asked = std::find_if(ticks.begin(), ticks.end(), [&](const DeployedTick& t) { return t.id == tick_id; });
  if (asked == ticks.end() || !asked->spec.exactly_once) return std::nullopt;
  // The name comes from the network: it must be a sink of the job before it names a file.
  const Job job = make_job(asked->spec.graph, asked->spec.params, asked->spec.job);
  const auto& nodes = job.graph.nodes();
  if (std::none_of(nodes.begin(), nodes.end(), [&](const Node& n) { return n.is_sink() && n.name == request.sink; }))
    return std::nullopt;
  // The job's ticks share its files; it finished if any of them committed everything.
  const std::string storage = asked->spec.storage_name(asked->node);
  const bool finished = std::any_of(ticks.begin(), ticks.end(), [&](const DeployedTick& t) {
    if (t.spec.storage_name(t.node) != storage) return false;
    const auto record = read_commit_record(zk, t);
    return record && record->committed == kInfinity;
  });
  const auto path = data_dir_ / storage / ("sink-" + request.sink + ".out");
  if (!finished || !std::filesystem::exists(path)) return std::nullopt;
  auto& log = logs_[path];
  if (!log) log = std::make_unique<OutputLog>(path);
  return tail_reply(*log, request.offset, true, kInfinity);
}

}  // namespace flamestream
