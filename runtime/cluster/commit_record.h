// A deployment's commit record in ZooKeeper, /flamestream/commits/tick-NNNNNNNNNN: the last
// durable commit and the recovery epoch, in ONE node so that one compare-and-set orders them.
//
// The acker's host records a commit only if the node is still at the version its epoch started
// from (or last wrote), and a recovery bumps the epoch with the same kind of write; so a commit
// that an old epoch finishes after a recovery began can never land, and every worker of the new
// epoch restores exactly the commit the bump saw.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>

#include "runtime/cluster/cluster_state.h"

namespace flamestream {

inline constexpr const char* kCommitsPath = "/flamestream/commits";

struct CommitRecord {
  std::uint64_t epoch = 0;  // the recoveries of this deployment so far
  // The worker processes (name -> incarnation) the epoch runs on; another set means a worker
  // restarted, and the deployment must roll back to `committed`.
  std::map<std::string, std::string> incarnations;
  Timestamp committed = 0;   // every input below this is committed (0: nothing yet)
  std::uint64_t commits = 0;
  std::map<std::string, std::string> snapshots;  // worker -> snapshot file of `committed`
  std::map<std::string, std::uint64_t> fronts;   // front -> next input line at `committed`
  // Kafka front partition ("front/partition") -> its determinant at `committed`: [the offset of
  // the first record with a line at or above it, how many of that record's lines lie below, the
  // time that line is stamped at least].
  std::map<std::string, std::array<std::uint64_t, 3>> partitions;
  // A tick that continues another starts from that one's commit: `state_tick` names the tick whose
  // workers hold the snapshots of `committed` (empty: this tick's own), `started` when it took over.
  std::string state_tick;
  Timestamp started = 0;
  std::int32_t version = -1;  // ZooKeeper's version of the node read; -1: not written yet
};

// The key of a Kafka front's partition in CommitRecord::partitions.
inline std::string partition_key(const std::string& front, std::uint32_t partition) {
  return front + "/" + std::to_string(partition);
}

// The node holding `tick`'s commit record.
std::string commit_record_path(const DeployedTick& tick);
std::optional<CommitRecord> read_commit_record(ZkClient& zk, const DeployedTick& tick);
// Writes `record` if the node is still at record.version (creates it for -1); false if another
// write came first.
bool write_commit_record(ZkClient& zk, const DeployedTick& tick, const CommitRecord& record);

// The incarnations of `tick`'s workers that are registered now; a missing worker is absent.
std::map<std::string, std::string> tick_incarnations(ZkClient& zk, const DeployedTick& tick);

}  // namespace flamestream
