#include "runtime/engine/worker_storage.h"

#include <algorithm>

namespace flamestream {

namespace {

wire::Limits snapshot_limits(const LogicalGraph& graph, std::size_t bytes) {
  return wire::sized_for({graph.nodes().size(), 1}, bytes);
}

}  // namespace

WorkerStorage::WorkerStorage(std::filesystem::path dir, const LogicalGraph& graph,
                             const Placement& placement, WorkerId self, std::uint64_t output_retention_bytes)
    : dir_(std::move(dir)), graph_(graph), snapshots_(dir_ / "snapshots") {
  for (const Node& n : graph.nodes()) {
    if (!placement.hosts_instance(n.id, self)) continue;
    // A partitioned front's records stay in its broker: no ingestion log (PartitionFrontHost).
    if (n.is_front() && placement.partitions_of(n.id) == 0) logs_[n.id] = std::make_unique<IngestionLog>(dir_ / ("front-" + n.name + ".log"));
    if (n.is_sink())
      outputs_[n.id] = std::make_unique<OutputLog>(dir_ / ("sink-" + n.name + ".out"), OutputLog::kRecentLines,
                                                   output_retention_bytes);
  }
}

void WorkerStorage::restore(WorkerGraph& graph, Timestamp committed) const {
  if (committed == 0) return;  // nothing committed: every worker starts empty
  const auto bytes = snapshots_.read(committed);
  if (!bytes)
    throw SnapshotError("no snapshot of the committed boundary " + std::to_string(committed) +
                        " in '" + snapshots_.path_of(committed).parent_path().string() + "'");
  wire::Message m;
  try {
    m = wire::decode(*bytes, snapshot_limits(graph_, bytes->size()));
  } catch (const wire::WireError& e) {
    throw SnapshotError("snapshot '" + snapshots_.path_of(committed).string() +
                        "' passed its checksum but does not decode: " + e.what());
  }
  const auto* state = std::get_if<wire::ItemBatch>(&m.body);
  if (!state) throw SnapshotError("snapshot '" + snapshots_.path_of(committed).string() + "' holds no state");
  graph.restore_state(state->envelopes, committed);
}

std::vector<IngestionLog::Record> WorkerStorage::replay(NodeId front, Timestamp committed) const {
  auto records = logs_.at(front)->read_from(committed);
  std::erase_if(records, [](const IngestionLog::Record& r) { return r.close; });
  return records;
}

std::vector<wire::FrontDeterminant> WorkerStorage::determinants(Timestamp end) const {
  std::vector<wire::FrontDeterminant> out;
  for (const auto& [front, log] : logs_) out.push_back({front, log->first_seq_from(end)});
  return out;
}

std::vector<std::filesystem::path> WorkerStorage::bound_logs(Timestamp committed) {
  std::vector<std::filesystem::path> obsolete;
  if (committed == 0) return obsolete;
  for (auto& [front, log] : logs_) {
    auto dropped = log->truncate_below(committed);
    obsolete.insert(obsolete.end(), dropped.begin(), dropped.end());
  }
  return obsolete;
}

std::string WorkerStorage::persist(Timestamp end, Timestamp committed, const std::string& snapshot,
                                   const std::vector<std::filesystem::path>& obsolete) {
  snapshots_.write(end, snapshot);
  for (auto& [sink, output] : outputs_) output->sync();
  if (committed > 0) snapshots_.prune_below(committed);
  for (const auto& path : obsolete) {
    std::error_code error;
    std::filesystem::remove(path, error);
    if (error) throw IngestionLogError("cannot delete '" + path.string() + "': " + error.message());
  }
  return snapshots_.path_of(end).string();
}

std::vector<IngestionLog*> WorkerStorage::logs() const {
  std::vector<IngestionLog*> out;
  for (const auto& [front, log] : logs_) out.push_back(log.get());
  return out;
}

}  // namespace flamestream
