#include "runtime/engine/commit_protocol.h"

#include "model/errors.h"

namespace flamestream {

CommitProtocol::CommitProtocol(Timestamp tick_length, std::size_t workers, Timestamp committed)
    : tick_length_(tick_length), workers_(workers), committed_(committed), answered_(workers) {
  check_invariant(tick_length > 0, "a commit protocol needs a tick length");
}

Timestamp commit_boundary(Timestamp min_ts, Timestamp tick_length) {
  if (min_ts == kInfinity) return kInfinity;  // everything is in: the last commit covers it all
  return min_ts / tick_length * tick_length;
}

std::optional<wire::Commit> CommitProtocol::on_min_time(Timestamp min_ts) {
  min_ts_ = std::max(min_ts_, min_ts);
  return maybe_start();
}

std::optional<wire::Commit> CommitProtocol::maybe_start() {
  if (under_way_) return std::nullopt;
  const Timestamp end = commit_boundary(min_ts_, tick_length_);
  if (end <= committed_) return std::nullopt;
  under_way_ = end;
  answered_.assign(workers_, false);
  collected_ = ReadyCommit{end, std::vector<std::string>(workers_), {}};
  return wire::Commit{end, committed_};
}

std::optional<ReadyCommit> CommitProtocol::on_ack(WorkerId from, wire::CommitAck ack) {
  // An answer to another end, or a second one, comes only from a confused or foreign sender.
  if (!under_way_ || ready_ || ack.end != *under_way_ || from >= workers_ || answered_[from])
    return std::nullopt;
  answered_[from] = true;
  collected_.snapshots[from] = std::move(ack.snapshot);
  for (auto& f : ack.fronts) collected_.fronts.emplace_back(from, f);
  for (bool a : answered_)
    if (!a) return std::nullopt;
  ready_ = *under_way_;
  return collected_;
}

std::optional<wire::Commit> CommitProtocol::on_durable(Timestamp end) {
  if (!ready_ || end != *ready_) return std::nullopt;
  committed_ = end;
  under_way_.reset();
  ready_.reset();
  return maybe_start();
}

}  // namespace flamestream
