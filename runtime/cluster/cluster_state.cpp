#include "runtime/cluster/job_store.h"
#include "runtime/cluster/cluster_state.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <random>
#include <nlohmann/json.hpp>

namespace flamestream {

namespace {

constexpr const char* kTickPrefix = "tick-";

std::optional<std::uint64_t> tick_id_of(const std::string& node) {
  if (node.rfind(kTickPrefix, 0) != 0) return std::nullopt;
  std::uint64_t id = 0;
  const char* begin = node.data() + 5;
  auto [ptr, ec] = std::from_chars(begin, node.data() + node.size(), id);
  if (ec != std::errc() || ptr != node.data() + node.size()) return std::nullopt;
  return id;
}


}  // namespace

void ensure_layout(ZkClient& zk) {
  zk.ensure_path(kWorkersPath);
  if (!zk.exists(kTicksPath)) {
    zk.ensure_path(kTicksPath);
    // Spend sequence number 0, so tick ids start at 1 and 0 can mean "no tick".
    zk.remove(zk.create(std::string(kTicksPath) + "/reserved-", {}, ZkMode::persistent_sequential));
  }
  zk.ensure_path(kProgressPath);
  zk.ensure_path("/flamestream/commits");
}

std::string random_id() {
  std::random_device random;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
  return hex;
}

std::string registration_data(const Registration& r) {
  return r.endpoint + "\n" + r.incarnation + (r.metrics.empty() ? "" : "\n" + r.metrics);
}

std::map<std::string, Registration> registered_workers(ZkClient& zk) {
  std::map<std::string, Registration> workers;
  for (const std::string& name : zk.children(kWorkersPath)) {
    const auto data = zk.get(std::string(kWorkersPath) + "/" + name);
    if (!data) continue;  // gone between the two reads
    // Lines: endpoint, incarnation, metrics address (optional).
    std::vector<std::string> lines;
    for (std::size_t at = 0; at <= data->size();) {
      const auto end = std::min(data->find('\n', at), data->size());
      lines.push_back(data->substr(at, end - at));
      at = end + 1;
    }
    lines.resize(std::max<std::size_t>(lines.size(), 3));
    workers[name] = Registration{lines[0], lines[1], lines[2]};
  }
  return workers;
}

std::vector<std::string> worker_names(ZkClient& zk) { return zk.children(kWorkersPath); }

DeployedTick write_tick(ZkClient& zk, TickSpec spec) {
  if (spec.deployment.empty()) spec.deployment = random_id();
  const std::string path = zk.create(std::string(kTicksPath) + "/" + kTickPrefix, tick_to_json(spec),
                                     ZkMode::persistent_sequential);
  const std::string node = path.substr(path.rfind('/') + 1);
  return DeployedTick{*tick_id_of(node), node, std::move(spec)};
}

std::vector<DeployedTick> all_ticks(ZkClient& zk) {
  std::vector<DeployedTick> ticks;
  for (const std::string& node : zk.children(kTicksPath))
    if (auto t = find_tick(zk, node)) ticks.push_back(std::move(*t));
  return ticks;  // children are sorted, and sequence numbers are zero-padded
}

std::optional<DeployedTick> find_tick(ZkClient& zk, const std::string& node) {
  const auto id = tick_id_of(node);
  if (!id) return std::nullopt;
  const auto data = zk.get(std::string(kTicksPath) + "/" + node);
  if (!data) return std::nullopt;
  // A stored tick was validated when it was written; its workers need not be up any more. Its job
  // library, if any, is loaded first: the graph it names is defined there.
  const nlohmann::json doc = nlohmann::json::parse(*data);
  if (doc.contains("job") && doc["job"].is_string()) load_stored_job(zk, doc["job"].get<std::string>());
  TickSpec spec = parse_tick(*data, doc.value("workers", std::vector<std::string>{}));
  return DeployedTick{*id, node, std::move(spec)};
}

bool supersedes(const DeployedTick& newer, const DeployedTick& older, const std::string& worker) {
  if (newer.id <= older.id) return false;
  return newer.spec.continues == older.node ||
         std::count(newer.spec.workers.begin(), newer.spec.workers.end(), worker) > 0;
}

std::optional<DeployedTick> latest_tick(ZkClient& zk) {
  auto nodes = zk.children(kTicksPath);
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it)
    if (auto t = find_tick(zk, *it)) return t;
  return std::nullopt;
}

void write_progress(ZkClient& zk, const DeployedTick& tick, const TickProgress& progress) {
  const std::string path = std::string(kProgressPath) + "/" + tick.node;
  const std::string data =
      nlohmann::json{{"min_time", progress.min_time}, {"done", progress.done}}.dump();
  if (zk.exists(path)) {
    zk.set(path, data);
  } else {
    zk.create(path, data);
  }
}

std::optional<TickProgress> read_progress(ZkClient& zk, const DeployedTick& tick) {
  const auto data = zk.get(std::string(kProgressPath) + "/" + tick.node);
  if (!data) return std::nullopt;
  const auto j = nlohmann::json::parse(*data, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return TickProgress{j.value("min_time", Timestamp{0}), j.value("done", false)};
}

void write_failure(ZkClient& zk, const DeployedTick& tick, const std::string& message) {
  zk.ensure_path(kFailuresPath);
  try {
    zk.create(std::string(kFailuresPath) + "/" + tick.node, message);
  } catch (const ZkError&) {
    if (!read_failure(zk, tick)) throw;  // another worker wrote it first: that one stays
  }
}

std::optional<std::string> read_failure(ZkClient& zk, const DeployedTick& tick) {
  return zk.get(std::string(kFailuresPath) + "/" + tick.node);
}

void throw_if_failed(ZkClient& zk, const DeployedTick& tick) {
  std::optional<std::string> failure;
  try {
    failure = read_failure(zk, tick);
  } catch (const ZkError&) {
    return;
  }
  if (failure) throw TickFailedError(tick.node + " failed: " + *failure);
}

std::unique_ptr<ZkClient> connect_zk(const std::string& hosts, const ClusterKey* key,
                                     std::chrono::milliseconds session_timeout) {
  if (hosts.empty()) throw ZkError("--zk HOST:PORT is required");
  return ZkClient::connect(hosts, std::chrono::seconds(5), session_timeout, key ? key->zk_credential() : "");
}

}  // namespace flamestream
