#include "runtime/cluster/commit_record.h"

#include <nlohmann/json.hpp>

namespace flamestream {

std::string commit_record_path(const DeployedTick& tick) { return std::string(kCommitsPath) + "/" + tick.node; }

std::optional<CommitRecord> read_commit_record(ZkClient& zk, const DeployedTick& tick) {
  const auto node = zk.get_versioned(commit_record_path(tick));
  if (!node) return std::nullopt;
  const auto j = nlohmann::json::parse(node->data, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw ZkError("commit record " + commit_record_path(tick) + " is not JSON", 0);
  CommitRecord r;
  r.epoch = j.value("epoch", std::uint64_t{0});
  r.incarnations = j.value("incarnations", std::map<std::string, std::string>{});
  r.committed = j.value("committed", Timestamp{0});
  r.commits = j.value("commits", std::uint64_t{0});
  r.snapshots = j.value("snapshots", std::map<std::string, std::string>{});
  r.fronts = j.value("fronts", std::map<std::string, std::uint64_t>{});
  r.partitions = j.value("partitions", std::map<std::string, std::array<std::uint64_t, 3>>{});
  r.state_tick = j.value("state_tick", std::string());
  r.started = j.value("started", Timestamp{0});
  r.version = node->version;
  return r;
}

bool write_commit_record(ZkClient& zk, const DeployedTick& tick, const CommitRecord& record) {
  const std::string data = nlohmann::json{{"epoch", record.epoch},
                                          {"incarnations", record.incarnations},
                                          {"committed", record.committed},
                                          {"commits", record.commits},
                                          {"snapshots", record.snapshots},
                                          {"fronts", record.fronts},
                                          {"partitions", record.partitions},
                                          {"state_tick", record.state_tick},
                                          {"started", record.started}}
                               .dump();
  if (record.version >= 0) return zk.set_if_version(commit_record_path(tick), data, record.version);
  try {
    zk.create(commit_record_path(tick), data);
    return true;
  } catch (const ZkError& e) {
    if (e.code() == ZkError::kNodeExists) return false;
    throw;
  }
}

std::map<std::string, std::string> tick_incarnations(ZkClient& zk, const DeployedTick& tick) {
  const auto registered = registered_workers(zk);
  std::map<std::string, std::string> out;
  for (const auto& w : tick.spec.workers) {
    auto it = registered.find(w);
    if (it != registered.end()) out[w] = it->second.incarnation;
  }
  return out;
}

}  // namespace flamestream
