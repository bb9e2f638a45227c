// The acker role of a worker (paper §3.4–3.5): the ack table of the whole job and, with
// exactly-once, the driving of the commit protocol.
//
// Applies the workers' aggregated deltas; each advance of the minimal time goes to every worker,
// and a Commit for the tick end it passed follows it on every channel (so a worker has taken that
// end's snapshot when the Commit comes). Collects the workers' commit acknowledgments; a commit
// every worker acknowledged goes to the coordinator to record (commit_ready), or, with none,
// counts as durable at once; a recorded one lets the next commit start. Invariant: the minimal time
// it sends never goes backward, and a commit end is never above it.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "acker/ack_table.h"
#include "runtime/engine/commit_protocol.h"
#include "runtime/wire/codec.h"

namespace flamestream {

class AckerHost {
 public:
  using Broadcast = std::function<void(const wire::Body&)>;

  // `tick_length` 0: no commits (exactly-once off). `commit_ready` empty: no coordinator.
  AckerHost(std::vector<FrontId> fronts, Timestamp slot_width, Timestamp tick_length,
            std::size_t workers, Timestamp committed, Broadcast broadcast,
            std::function<void(const ReadyCommit&)> commit_ready);

  void on_delta(const AckDelta& delta);
  // False when this acker runs no commits (the acknowledgment was not for it).
  bool on_commit_ack(WorkerId from, wire::CommitAck& ack);
  // The coordinator recorded commits up to `durable`: the next one may start.
  void on_durable(Timestamp durable);

  std::uint64_t deltas() const { return deltas_; }

 private:
  void start_commit(const std::optional<wire::Commit>& commit);

  AckTable table_;
  std::optional<CommitProtocol> commits_;
  Broadcast broadcast_;
  std::function<void(const ReadyCommit&)> commit_ready_;
  std::uint64_t deltas_ = 0;
};

}  // namespace flamestream
