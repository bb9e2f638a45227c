// The cluster's shared state in ZooKeeper, and the one place that knows its layout:
//
//   /flamestream/workers/NAME          ephemeral; data: the worker's endpoint, newline, incarnation,
//                                      and, when it serves metrics, newline, metrics HOST:PORT
//   /flamestream/commits/tick-NNN...   a deployment's last commit and recovery epoch (commit_record.h)
//   /flamestream/ticks/tick-NNNNNNNNNN  sequential; data: the resolved tick JSON (tick.h)
//   /flamestream/progress/tick-NNN...   written by the tick's acker host: minimal time, done
//   /flamestream/links/NAME            ephemeral; a worker's silent peer links (link_report.h)
//
// Everything else reads and writes through these functions, so a newcomer finds the layout here.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "runtime/cluster/tick.h"
#include "runtime/coordination/zk_client.h"
#include "runtime/security/cluster_key.h"

namespace flamestream {

inline constexpr const char* kWorkersPath = "/flamestream/workers";
inline constexpr const char* kTicksPath = "/flamestream/ticks";
inline constexpr const char* kProgressPath = "/flamestream/progress";
// FAILURES/<tick node>: why a tick stopped for good (a job function threw); status shows it.
inline constexpr const char* kFailuresPath = "/flamestream/failures";

struct DeployedTick {
  std::uint64_t id = 0;  // ZooKeeper's sequence number; the first tick is 1 (ensure_layout)
  std::string node;      // tick-NNNNNNNNNN
  TickSpec spec;
};

struct TickProgress {
  Timestamp min_time = 0;
  bool done = false;
};

void ensure_layout(ZkClient& zk);

// A registered worker process. The incarnation is new with every process start, so a worker that
// restarted under the same name is recognised as a new process.
struct Registration {
  std::string endpoint;
  std::string incarnation;
  std::string metrics;  // HOST:PORT of its metrics endpoint; empty: none
};
std::string registration_data(const Registration& r);
// 16 random hex digits: incarnations, deployment ids.
std::string random_id();

// Registered workers by name.
std::map<std::string, Registration> registered_workers(ZkClient& zk);
std::vector<std::string> worker_names(ZkClient& zk);

// Writes a validated tick, with a fresh deployment id unless it has one; returns it with its id.
DeployedTick write_tick(ZkClient& zk, TickSpec spec);
// The tick stored under `node` (tick-NNNNNNNNNN), if any.
std::optional<DeployedTick> find_tick(ZkClient& zk, const std::string& node);
// Whether `newer` ends `older`'s run on `worker`: it names the worker, or continues `older` (then a
// worker it leaves out stops too, after handing its state over on request).
bool supersedes(const DeployedTick& newer, const DeployedTick& older, const std::string& worker);
// The tick with the highest id, if any.
std::optional<DeployedTick> latest_tick(ZkClient& zk);
std::vector<DeployedTick> all_ticks(ZkClient& zk);

void write_progress(ZkClient& zk, const DeployedTick& tick, const TickProgress& progress);
std::optional<TickProgress> read_progress(ZkClient& zk, const DeployedTick& tick);

// Records that `tick` failed (the first message stays); every worker of it then stops it.
void write_failure(ZkClient& zk, const DeployedTick& tick, const std::string& message);
std::optional<std::string> read_failure(ZkClient& zk, const DeployedTick& tick);

// A client (ingest, tail) of a tick that stopped for good: nothing more will be taken or released.
class TickFailedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Throws TickFailedError naming the failure if `tick` failed; ZooKeeper away answers "not failed"
// (the caller asks again later).
void throw_if_failed(ZkClient& zk, const DeployedTick& tick);

// Connects with a bounded wait; the error names the address. Used by every command. With `key`
// the session authenticates with its ZooKeeper password and the nodes it creates are the key
// holders' only; nullptr: an insecure cluster.
std::unique_ptr<ZkClient> connect_zk(
    const std::string& hosts, const ClusterKey* key,
    std::chrono::milliseconds session_timeout = std::chrono::milliseconds(10000));

}  // namespace flamestream
