#include "runtime/engine/acker_host.h"

namespace flamestream {

AckerHost::AckerHost(std::vector<FrontId> fronts, Timestamp slot_width, Timestamp tick_length,
                     std::size_t workers, Timestamp committed, Broadcast broadcast,
                     std::function<void(const ReadyCommit&)> commit_ready)
    : table_(fronts, slot_width),
      broadcast_(std::move(broadcast)),
      commit_ready_(std::move(commit_ready)) {
  if (tick_length > 0) commits_.emplace(tick_length, workers, committed);
}

void AckerHost::on_delta(const AckDelta& delta) {
  ++deltas_;
  if (!table_.apply(delta)) return;
  const Timestamp min_ts = table_.min_time();
  broadcast_(wire::MinTimeUpdate{min_ts});
  if (commits_) start_commit(commits_->on_min_time(min_ts));  // behind the update, on every channel
}

bool AckerHost::on_commit_ack(WorkerId from, wire::CommitAck& ack) {
  if (!commits_) return false;
  auto ready = commits_->on_ack(from, std::move(ack));
  if (!ready) return true;
  if (commit_ready_) {
    commit_ready_(*ready);
  } else {
    start_commit(commits_->on_durable(ready->end));  // no coordinator to record it: durable now
  }
  return true;
}

void AckerHost::on_durable(Timestamp durable) {
  if (commits_ && durable > commits_->committed()) start_commit(commits_->on_durable(durable));
}

void AckerHost::start_commit(const std::optional<wire::Commit>& commit) {
  if (commit) broadcast_(*commit);
}

}  // namespace flamestream
