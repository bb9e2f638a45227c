// What one worker keeps on disk for exactly-once processing (DESIGN §3), in one directory per
// deployment: the ingestion log of each front it hosts, the output log of each sink it hosts, and
// its grouping snapshots, one per committed tick boundary.
//
//   DIR/front-NAME.log/  every accepted line with its timestamp and line number, in segments
//                        (IngestionLog)
//   DIR/sink-NAME.out    every released line with its meta (OutputLog)
//   DIR/snapshots/       grouping state per commit end (SnapshotStore)
//
// Invariant: everything an acknowledged commit names stays until a later commit is durable — the
// snapshot of the committed end, and every logged line at or above it — so a recovery to the last
// durable commit always finds what it needs, or a checksum error that names the damaged file.
#pragma once

#include <filesystem>
#include <map>
#include <memory>

#include "front/ingestion_log.h"
#include "runtime/wire/codec.h"
#include "sink/output_log.h"
#include "snapshot/snapshot_store.h"

namespace flamestream {

class WorkerStorage {
 public:
  // `output_retention_bytes`: what each sink's output log keeps (OutputLog; 0: everything).
  WorkerStorage(std::filesystem::path dir, const LogicalGraph& graph, const Placement& placement,
                WorkerId self, std::uint64_t output_retention_bytes = 0);

  // Recovery: puts the grouping state committed at `committed` (0: nothing committed yet) into a
  // fresh `graph`. Throws SnapshotError if the snapshot is missing or damaged.
  void restore(WorkerGraph& graph, Timestamp committed) const;
  // The logged lines of `front` a recovery from `committed` replays, in order (no close records).
  std::vector<IngestionLog::Record> replay(NodeId front, Timestamp committed) const;

  // The commit protocol, worker side, in two halves. On the event loop (cheap, from memory): the
  // fronts' determinants at `end`, and the logs' segments below the last durable commit dropped
  // (their files returned, for persist() to delete).
  std::vector<wire::FrontDeterminant> determinants(Timestamp end) const;
  [[nodiscard]] std::vector<std::filesystem::path> bound_logs(Timestamp committed);
  // Off the loop (SnapshotWriter): `snapshot` (the state taken on the loop, TickSnapshot: what
  // restore() reads back) made durable, the outputs synced, and snapshots
  // below the last durable commit and the `obsolete` log segments deleted. Returns the snapshot
  // file. Thread-safe against the loop: it touches only snapshot files, syncs output files the loop
  // appends to, and deletes segments the logs no longer hold.
  std::string persist(Timestamp end, Timestamp committed, const std::string& snapshot,
                      const std::vector<std::filesystem::path>& obsolete);

  const std::filesystem::path& dir() const { return dir_; }
  IngestionLog& log(NodeId front) { return *logs_.at(front); }
  std::vector<IngestionLog*> logs() const;
  OutputLog& output(NodeId sink) { return *outputs_.at(sink); }

 private:
  std::filesystem::path dir_;
  const LogicalGraph& graph_;
  SnapshotStore snapshots_;
  std::map<NodeId, std::unique_ptr<IngestionLog>> logs_;
  std::map<NodeId, std::unique_ptr<OutputLog>> outputs_;
};

}  // namespace flamestream
