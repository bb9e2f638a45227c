// The front side of a worker's event loop: admitting client input under back-pressure, replaying
// the ingestion log after a recovery, logging accepted lines and acknowledging them once durable.
// (The rest of WorkerLoop is in worker_loop.cpp.)
#include <algorithm>
#include <optional>

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
    if (next.record.promise) {  // every later line lies above its time
      graph_.raise_promise(next.front, next.record.ts + 1);
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
  IngestionLog* log = storage_ ? &storage_->log(front) : nullptr;
  std::size_t from = 0;
  if (log) {
    // Lines the log already holds were taken before (the client sends again after a failure).
    const std::uint64_t next = log->next_seq();
    if (lines.seq > next) {
      ack.retry = true;  // an earlier batch was not taken: the client must send from there
      return reply_ingest(identity, std::move(ack));
    }
    from = static_cast<std::size_t>(std::min<std::uint64_t>(next - lines.seq, lines.lines.size()));
    ack.accepted = from;
  }
  if (lines.bind && !graph_.front_bound(front)) {
    const Timestamp floor = graph_.bind_front(front);
    // Logged, so a recovered front is bound again and promises no less (IngestionLog).
    const Timestamp below = floor > 0 ? floor - 1 : 0;  // every later line lies above it
    if (log && (log->empty() || below > log->last_ts())) log->append_promise(below);
    mark_logged(log);
  }
  if (graph_.front_bound(front)) {
    ack.next_ts = graph_.front_next_ts(front, 0);
    ack.slot_width = config_.slot_width;
  }
  const bool more = from < lines.lines.size() || (lines.close && !graph_.front_closed(front));
  if (more && graph_.front_closed(front)) {
    ack.error = "front '" + lines.front + "' is closed";
  } else if (from < lines.lines.size() && refused_[front]) {
    ack.error = "front '" + lines.front + "' refused an earlier line: it takes only a close now";
  } else if (auto wrong = wrong_times(lines, front, from)) {
    ack.error = *wrong;
  } else if (more) {
    admit_lines(lines, front, from, ack);
  } else if (lines.promise > 0 && !graph_.front_closed(front)) {
    promise(front, lines.promise, log);
    mark_logged(log);
  }
  reply_ingest(identity, std::move(ack));
}

std::optional<std::string> WorkerLoop::wrong_times(const wire::IngestLines& lines, NodeId front,
                                                   std::size_t from) const {
  const bool bound = graph_.front_bound(front);
  const bool timed = lines.first_ts > 0 || lines.promise > 0;
  if (!bound && timed)
    return "front '" + lines.front + "' on this worker is not bound to the client's times: bind it first";
  if (bound && from < lines.lines.size() && lines.first_ts == 0)
    return "front '" + lines.front + "' on this worker is bound to a client's times: the lines need theirs";
  if (!bound || from == lines.lines.size()) return std::nullopt;
  if (lines.stride > (kInfinity - lines.first_ts) / lines.lines.size())
    return "front '" + lines.front + "' was given times past the end of time";
  const Timestamp first = lines.first_ts + from * lines.stride;
  if (first < graph_.front_next_ts(front, 0))
    return "front '" + lines.front + "' was given a time below its promise (" + std::to_string(first) +
           " < " + std::to_string(graph_.front_next_ts(front, 0)) + ")";
  return std::nullopt;
}

void WorkerLoop::promise(NodeId front, Timestamp ts, IngestionLog* log) {
  if (ts <= graph_.front_next_ts(front, 0)) return;
  graph_.raise_promise(front, ts);
  // Logged as "every later line lies above ts - 1": a line at ts itself may follow.
  if (log && ts - 1 > log->last_ts()) log->append_promise(ts - 1);
}

void WorkerLoop::mark_logged(IngestionLog* log) {
  if (!log) return;
  log->flush();
  syncer_->request(++written_);  // acknowledged once durable: never lost
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
  // Bound, the client gave the batch's times: line i gets first_ts + i · stride (Front::stamp).
  const bool bound = graph_.front_bound(front);
  const Timestamp now = bound ? lines.first_ts + from * lines.stride : wall_ns();
  const std::uint64_t first_line = lines.first_line > 0 ? lines.first_line : lines.seq;
  payloads_.clear();
  for (std::size_t i = from; i < lines.lines.size(); ++i) {
    try {
      payloads_.push_back(job_.parse(lines.lines[i]));
    } catch (const InputError& e) {
      ack.error = "input line " + std::to_string(first_line + i * lines.stride) + ": " + e.what();
      break;
    }
  }
  stamps_.clear();
  graph_.ingest_batch(front, payloads_, now, outbox_, stamps_, bound ? lines.stride : 0);
  for (std::size_t k = 0; k < stamps_.size(); ++k) {
    const std::size_t i = from + k;
    if (log) log->append(stamps_[k], lines.seq + i, lines.lines[i]);  // before anything leaves this worker
    admitted_.push_back(stamps_[k]);
  }
  ack.accepted += stamps_.size();
  counters_.inputs += stamps_.size();
  // A refused line ends the input there. Bound, the front waits for its client to close it: the
  // client first tells whoever merges the output where the input ended (IngestClient), and lines
  // at other instances after it must not be released before that.
  if (!ack.error.empty() && bound && !lines.close) {
    refused_[front] = true;
  } else if (!ack.error.empty() || lines.close) {
    // Above every record: a bound front's promise may be one it logged.
    if (log) log->append_close(std::max(graph_.front_next_ts(front, wall_ns()), log->last_ts() + 1));
    graph_.close_front(front);
  } else if (bound && lines.promise > 0) {
    promise(front, lines.promise, log);
  }
  mark_logged(log);
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
