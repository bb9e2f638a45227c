// The front side of a worker's event loop: admitting client input under back-pressure, replaying
// the ingestion log after a recovery, logging accepted lines and acknowledging them once durable.
// (The rest of WorkerLoop is in worker_loop.cpp.)
#include <algorithm>

#include "model/errors.h"
#include "runtime/engine/worker_loop.h"

namespace flamestream {

void WorkerLoop::on_ingest(const std::string& identity, wire::IngestLines& lines) {
  NodeId front = 0;
  try {
    front = job_.graph.find(lines.front);
  } catch (const GraphError&) {
  }
  if (!job_.graph.node(front).is_front() || job_.graph.node(front).name != lines.front ||
      !graph_.hosts_front(front)) {
    transport_.reply(identity, wire::encode({config_.tick, self_, wire::IngestAck{lines.seq, 0,
                                              "no front '" + lines.front + "' on this worker"}}));
    return;
  }
  if (!replay_.empty() || !pending_.empty() || !admission_open()) {
    pending_.push_back({identity, std::move(lines)});
    return;
  }
  admit(identity, lines, front);
}

bool WorkerLoop::admission_open() const {
  return admitted_.size() <
         (storage_ ? config_.max_inputs_in_flight_exactly_once : config_.max_inputs_in_flight);
}

void WorkerLoop::admit_pending() {
  replay_logged();
  while (replay_.empty() && !pending_.empty() && admission_open()) {
    PendingIngest p = std::move(pending_.front());
    pending_.pop_front();
    admit(p.identity, p.lines, job_.graph.find(p.lines.front));
  }
}

void WorkerLoop::replay_logged() {
  bool any = false;
  while (!replay_.empty() && admission_open()) {
    Logged next = std::move(replay_.front());
    replay_.pop_front();
    if (next.record.close) {  // this front's replay is over
      graph_.end_replay(next.front);
      if (storage_->log(next.front).closed() && !graph_.front_closed(next.front))
        graph_.close_front(next.front);
      continue;
    }
    // Accepted once, so it parses again: the job's parse is deterministic.
    graph_.ingest_logged(next.front, job_.parse(next.record.line), next.record.ts, outbox_);
    admitted_.push_back(next.record.ts);
    any = true;
  }
  if (any) after_processing();
}

void WorkerLoop::admit(const std::string& identity, wire::IngestLines& lines, NodeId front) {
  wire::IngestAck ack{lines.seq, 0, {}, false};
  std::size_t from = 0;
  if (storage_) {
    // Lines the log already holds were taken before (the client sends again after a failure).
    const std::uint64_t next = storage_->log(front).next_seq();
    if (lines.seq > next) {
      ack.retry = true;  // an earlier batch was not taken: the client must send from there
      return reply_ingest(identity, std::move(ack));
    }
    from = static_cast<std::size_t>(std::min<std::uint64_t>(next - lines.seq, lines.lines.size()));
    ack.accepted = from;
  }
  const bool more = from < lines.lines.size() || (lines.close && !graph_.front_closed(front));
  if (more && graph_.front_closed(front)) {
    ack.error = "front '" + lines.front + "' is closed";
  } else if (more) {
    admit_lines(lines, front, from, ack);
  }
  reply_ingest(identity, std::move(ack));
}

void WorkerLoop::reply_ingest(const std::string& identity, wire::IngestAck ack) {
  // With a log, every line an acknowledgment covers must be durable first.
  if (syncer_) return held_replies_.push_back({written_, identity, std::move(ack)});
  transport_.reply(identity, wire::encode({config_.tick, self_, std::move(ack)}));
}

void WorkerLoop::release_durable() {
  const std::uint64_t synced = syncer_->synced();
  while (!held_acks_.empty() && held_acks_.front().first <= synced) {
    send(placement_.acker_host, std::move(held_acks_.front().second));
    held_acks_.pop_front();
  }
  while (!held_replies_.empty() && held_replies_.front().written <= synced) {
    HeldReply& r = held_replies_.front();
    transport_.reply(r.identity, wire::encode({config_.tick, self_, std::move(r.ack)}));
    held_replies_.pop_front();
  }
}

void WorkerLoop::admit_lines(wire::IngestLines& lines, NodeId front, std::size_t from,
                             wire::IngestAck& ack) {
  IngestionLog* log = storage_ ? &storage_->log(front) : nullptr;
  // One clock reading for the batch, which arrived at once: the front stamps each line above the
  // one before (Front::stamp), so the lines still get distinct, increasing times. (A reading a line
  // was 2.4 % of the front worker's time at one word a line.)
  const Timestamp now = wall_ns();
  payloads_.clear();
  for (std::size_t i = from; i < lines.lines.size(); ++i) {
    try {
      payloads_.push_back(job_.parse(lines.lines[i]));
    } catch (const InputError& e) {
      ack.error = "input line " + std::to_string(lines.seq + i) + ": " + e.what();
      break;
    }
  }
  stamps_.clear();
  graph_.ingest_batch(front, payloads_, now, outbox_, stamps_);
  for (std::size_t k = 0; k < stamps_.size(); ++k) {
    const std::size_t i = from + k;
    if (log) log->append(stamps_[k], lines.seq + i, lines.lines[i]);  // before anything leaves this worker
    admitted_.push_back(stamps_[k]);
  }
  ack.accepted += stamps_.size();
  counters_.inputs += stamps_.size();
  if (!ack.error.empty() || lines.close) {
    if (log) log->append_close(graph_.front_next_ts(front, wall_ns()));
    graph_.close_front(front);
  }
  if (log) {
    log->flush();
    syncer_->request(++written_);  // acknowledged once durable: never lost
  }
  after_processing();
}

void WorkerLoop::refuse_pending() {
  // Not taken, so not the system's responsibility yet: the client must send them again, to
  // whichever run of the deployment comes next.
  for (PendingIngest& p : pending_) {
    wire::IngestAck ack{p.lines.seq, 0, {}, storage_ != nullptr};
    if (!storage_) ack.error = "the deployment stopped before these lines were taken";
    transport_.reply(p.identity, wire::encode({config_.tick, self_, std::move(ack)}));
  }
  pending_.clear();
}

}  // namespace flamestream
