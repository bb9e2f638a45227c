// The commit protocol of paper §3.6.1, acker side: when the minimal time passes a tick boundary
// (a multiple of the tick length), every worker is told to make the input before it durable
// (Commit); once all answered (CommitAck), the commit is ready to be recorded by the coordinator
// (ZooKeeper in a cluster). Only then is it durable, and only then may the next one start, so at
// most one commit is under way while processing goes on.
//
// Invariant: ends increase; a commit is ready only with an answer from every worker for its end.
// Pure logic, no I/O: the worker loop sends and receives, the cluster records.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/wire/codec.h"

namespace flamestream {

// A commit every worker acknowledged: what the coordinator records.
struct ReadyCommit {
  Timestamp end = 0;
  std::vector<std::string> snapshots;              // by worker id; empty: no grouping there
  // Every front instance's next line at `end`, with the worker hosting it.
  std::vector<std::pair<WorkerId, wire::FrontDeterminant>> fronts;
};

// The commit end below minimal time `min_ts`: the last multiple of the tick length (infinity stays).
Timestamp commit_boundary(Timestamp min_ts, Timestamp tick_length);

class CommitProtocol {
 public:
  // `committed`: the last end already durable (0: none) — where this deployment's epoch started.
  CommitProtocol(Timestamp tick_length, std::size_t workers, Timestamp committed);

  // The minimal time moved: the Commit to send to every worker, if a boundary was passed and no
  // commit is under way.
  std::optional<wire::Commit> on_min_time(Timestamp min_ts);
  // A worker's answer: the ready commit once every worker answered the one under way.
  std::optional<ReadyCommit> on_ack(WorkerId from, wire::CommitAck ack);
  // The coordinator recorded `end`: the next commit may start (returned if one is due already).
  std::optional<wire::Commit> on_durable(Timestamp end);

  Timestamp committed() const { return committed_; }

 private:
  std::optional<wire::Commit> maybe_start();

  Timestamp tick_length_;
  std::size_t workers_;
  Timestamp committed_;
  Timestamp min_ts_ = 0;
  std::optional<Timestamp> under_way_;
  std::optional<Timestamp> ready_;  // every answer in, waiting to be recorded
  std::vector<bool> answered_;
  ReadyCommit collected_;
};

}  // namespace flamestream
