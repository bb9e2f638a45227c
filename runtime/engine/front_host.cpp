#include "runtime/engine/front_host.h"

#include <algorithm>
#include <optional>

#include "front/source.h"
#include "model/errors.h"
#include "runtime/engine/wall_clock.h"

namespace flamestream {

FrontHost::FrontHost(Env env, WorkerStorage* storage, Timestamp committed)
    : env_(std::move(env)), storage_(storage), refused_(env_.job.graph.nodes().size(), false) {
  if (!storage_) return;
  const auto logs = storage_->logs();
  for (IngestionLog* log : logs) log->sync();  // whatever an earlier run wrote is durable now
  if (!logs.empty()) syncer_.emplace(logs);
  for (NodeId front : env_.job.graph.fronts()) {
    if (!env_.graph.hosts_front(front)) continue;
    // Only a client bound to the front's times writes its log (Front::bind): it stays bound.
    // Everything below the commit was released: no client gives this front such times again.
    if (!storage_->log(front).empty()) {
      env_.graph.bind_front(front);
      env_.graph.raise_promise(front, committed);
    }
    auto records = storage_->replay(front, committed);
    if (!records.empty()) env_.graph.hold_for_replay(front, records.front().ts);
    for (auto& r : records) replay_.push_back({front, std::move(r)});
    replay_.push_back({front, {0, 0, {}, true}});
  }
}

void FrontHost::on_min_time(Timestamp min_ts) {
  while (!admitted_.empty() && admitted_.front().ts < min_ts) {
    admitted_bytes_ -= admitted_.front().bytes;
    admitted_.pop_front();
  }
  admit_pending();
}

void FrontHost::on_ingest(const std::string& identity, wire::IngestLines& lines) {
  NodeId front = 0;
  try {
    front = env_.job.graph.find(lines.front);
  } catch (const GraphError&) {
  }
  if (env_.job.graph.node(front).is_front() && env_.job.graph.node(front).name == lines.front &&
      env_.graph.front_partitioned(front)) {
    env_.transport.reply(identity, wire::encode({env_.config.tick, env_.self, wire::IngestAck{lines.seq, 0,
                                              "front '" + lines.front + "' reads a Kafka topic inside the workers: it takes no client's lines"}}));
    return;
  }
  if (!env_.job.graph.node(front).is_front() || env_.job.graph.node(front).name != lines.front ||
      !env_.graph.hosts_front(front)) {
    env_.transport.reply(identity, wire::encode({env_.config.tick, env_.self, wire::IngestAck{lines.seq, 0,
                                              "no front '" + lines.front + "' on this worker"}}));
    return;
  }
  if (!replay_.empty() || !pending_.empty() || !admission_open()) {
    pending_.push_back({identity, std::move(lines)});
    return;
  }
  admit(identity, lines, front);
}

bool FrontHost::admission_open() const {
  return admitted_.size() <
             (storage_ ? env_.config.max_inputs_in_flight_exactly_once : env_.config.max_inputs_in_flight) &&
         admitted_bytes_ < env_.config.max_bytes_in_flight;
}

void FrontHost::admit_input(Timestamp ts, std::size_t bytes) {
  admitted_.push_back({ts, bytes});
  admitted_bytes_ += bytes;
}

void FrontHost::admit_pending() {
  replay_logged();
  while (replay_.empty() && !pending_.empty() && admission_open()) {
    PendingIngest p = std::move(pending_.front());
    pending_.pop_front();
    admit(p.identity, p.lines, env_.job.graph.find(p.lines.front));
  }
}

void FrontHost::replay_logged() {
  bool any = false;
  while (!replay_.empty() && admission_open()) {
    Logged next = std::move(replay_.front());
    replay_.pop_front();
    if (next.record.close) {  // this front's replay is over
      env_.graph.end_replay(next.front);
      if (storage_->log(next.front).closed() && !env_.graph.front_closed(next.front))
        env_.graph.close_front(next.front);
      continue;
    }
    if (next.record.promise) {  // every later line lies above its time
      env_.graph.raise_promise(next.front, next.record.ts + 1);
      continue;
    }
    // Accepted once, so it parses again: the job's parse is deterministic.
    env_.graph.ingest_logged(next.front, env_.job.parse(next.record.line), next.record.ts, env_.outbox);
    admit_input(next.record.ts, next.record.line.size());
    any = true;
  }
  if (any) env_.after_processing();
}

void FrontHost::admit(const std::string& identity, wire::IngestLines& lines, NodeId front) {
  wire::IngestAck ack{lines.seq, 0, {}, false};
  IngestionLog* log = storage_ ? &storage_->log(front) : nullptr;
  std::size_t from = 0;
  if (log) {
    // Lines the log already holds were taken before (the client sends again after a failure).
    // After a refused line nothing more is taken but a close: the batches the client sent behind
    // that line lie beyond the log's end, and asking for them again would never end.
    const std::uint64_t next = log->next_seq();
    if (lines.seq > next && !refused_[front]) {
      ack.retry = true;  // an earlier batch was not taken: the client must send from there
      return reply(identity, std::move(ack));
    }
    if (lines.seq <= next)
      from = static_cast<std::size_t>(std::min<std::uint64_t>(next - lines.seq, lines.lines.size()));
    ack.accepted = from;
  }
  if (lines.bind && !env_.graph.front_bound(front)) {
    const Timestamp floor = env_.graph.bind_front(front);
    // Logged, so a recovered front is bound again and promises no less (IngestionLog).
    const Timestamp below = floor > 0 ? floor - 1 : 0;  // every later line lies above it
    if (log && (log->empty() || below > log->last_ts())) log->append_promise(below);
    mark_logged(log);
  }
  if (env_.graph.front_bound(front)) {
    ack.next_ts = env_.graph.front_next_ts(front, 0);
    ack.slot_width = env_.config.slot_width;
  }
  const bool more = from < lines.lines.size() || (lines.close && !env_.graph.front_closed(front));
  if (more && env_.graph.front_closed(front)) {
    ack.error = "front '" + lines.front + "' is closed";
  } else if (from < lines.lines.size() && refused_[front]) {
    ack.error = "front '" + lines.front + "' refused an earlier line: it takes only a close now";
  } else if (auto wrong = wrong_times(lines, front, from)) {
    ack.error = *wrong;
  } else if (more) {
    admit_lines(lines, front, from, ack);
  } else if (lines.promise > 0 && !env_.graph.front_closed(front)) {
    promise(front, lines.promise, log);
    mark_logged(log);
  }
  reply(identity, std::move(ack));
}

std::optional<std::string> FrontHost::wrong_times(const wire::IngestLines& lines, NodeId front,
                                                   std::size_t from) const {
  const bool bound = env_.graph.front_bound(front);
  const bool timed = lines.first_ts > 0 || lines.promise > 0;
  if (!bound && timed)
    return "front '" + lines.front + "' on this worker is not bound to the client's times: bind it first";
  if (bound && from < lines.lines.size() && lines.first_ts == 0)
    return "front '" + lines.front + "' on this worker is bound to a client's times: the lines need theirs";
  if (!bound || from == lines.lines.size()) return std::nullopt;
  if (lines.stride > (kInfinity - lines.first_ts) / lines.lines.size())
    return "front '" + lines.front + "' was given times past the end of time";
  const Timestamp first = lines.first_ts + from * lines.stride;
  if (first < env_.graph.front_next_ts(front, 0))
    return "front '" + lines.front + "' was given a time below its promise (" + std::to_string(first) +
           " < " + std::to_string(env_.graph.front_next_ts(front, 0)) + ")";
  return std::nullopt;
}

void FrontHost::promise(NodeId front, Timestamp ts, IngestionLog* log) {
  if (ts <= env_.graph.front_next_ts(front, 0)) return;
  env_.graph.raise_promise(front, ts);
  // Logged as "every later line lies above ts - 1": a line at ts itself may follow.
  if (log && ts - 1 > log->last_ts()) log->append_promise(ts - 1);
}

void FrontHost::mark_logged(IngestionLog* log) {
  if (!log) return;
  log->flush();
  syncer_->request(++written_);  // acknowledged once durable: never lost
}

void FrontHost::reply(const std::string& identity, wire::IngestAck ack) {
  // With a log, every line an acknowledgment covers must be durable first.
  if (syncer_) return held_replies_.push_back({written_, identity, std::move(ack)});
  env_.transport.reply(identity, wire::encode({env_.config.tick, env_.self, std::move(ack)}));
}

void FrontHost::release_replies() {
  const std::uint64_t synced = syncer_->synced();
  while (!held_replies_.empty() && held_replies_.front().written <= synced) {
    HeldReply& r = held_replies_.front();
    env_.transport.reply(r.identity, wire::encode({env_.config.tick, env_.self, std::move(r.ack)}));
    held_replies_.pop_front();
  }
}

void FrontHost::admit_lines(wire::IngestLines& lines, NodeId front, std::size_t from,
                             wire::IngestAck& ack) {
  IngestionLog* log = storage_ ? &storage_->log(front) : nullptr;
  // One clock reading for the batch, which arrived at once: the front stamps each line above the
  // one before (Front::stamp), so the lines still get distinct, increasing times. (A reading a line
  // was 2.4 % of the front worker's time at one word a line.)
  // Bound, the client gave the batch's times: line i gets first_ts + i · stride (Front::stamp).
  const bool bound = env_.graph.front_bound(front);
  const Timestamp now = bound ? lines.first_ts + from * lines.stride : wall_ns();
  const std::uint64_t first_line = lines.first_line > 0 ? lines.first_line : lines.seq;
  payloads_.clear();
  for (std::size_t i = from; i < lines.lines.size(); ++i) {
    const std::uint64_t number = first_line + i * lines.stride;
    if (lines.lines[i].size() > env_.config.max_line_bytes) {  // the client's limit may be higher
      ack.error = line_too_long(number, env_.config.max_line_bytes);
      break;
    }
    try {
      payloads_.push_back(env_.job.parse(lines.lines[i]));
    } catch (const InputError& e) {
      ack.error = "input line " + std::to_string(number) + ": " + e.what();
      break;
    }
  }
  stamps_.clear();
  env_.graph.ingest_batch(front, payloads_, now, env_.outbox, stamps_, bound ? lines.stride : 0);
  for (std::size_t k = 0; k < stamps_.size(); ++k) {
    const std::size_t i = from + k;
    if (log) log->append(stamps_[k], lines.seq + i, lines.lines[i]);  // before anything leaves this worker
    admit_input(stamps_[k], lines.lines[i].size());
  }
  ack.accepted += stamps_.size();
  inputs_ += stamps_.size();
  // A refused line ends the input there. Bound, the front waits for its client to close it: the
  // client first tells whoever merges the output where the input ended (IngestClient), and lines
  // at other instances after it must not be released before that.
  if (!ack.error.empty() && bound && !lines.close) {
    refused_[front] = true;
  } else if (!ack.error.empty() || lines.close) {
    // Above every record: a bound front's promise may be one it logged.
    if (log) log->append_close(std::max(env_.graph.front_next_ts(front, wall_ns()), log->last_ts() + 1));
    env_.graph.close_front(front);
  } else if (bound && lines.promise > 0) {
    promise(front, lines.promise, log);
  }
  mark_logged(log);
  env_.after_processing();
}

void FrontHost::refuse_pending() {
  // Not taken, so not the system's responsibility yet: the client must send them again, to
  // whichever run of the deployment comes next.
  for (PendingIngest& p : pending_) {
    wire::IngestAck ack{p.lines.seq, 0, {}, storage_ != nullptr};
    if (!storage_) ack.error = "the deployment stopped before these lines were taken";
    env_.transport.reply(p.identity, wire::encode({env_.config.tick, env_.self, std::move(ack)}));
  }
  pending_.clear();
}

}  // namespace flamestream
