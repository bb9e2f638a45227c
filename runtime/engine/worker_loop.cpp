#include "runtime/engine/worker_loop.h"

#include <algorithm>
#include <iostream>
#include <limits>

#include "model/errors.h"

namespace flamestream {

namespace {

template <class... F>
struct Overloaded : F... { using F::operator()...; };

constexpr std::size_t kReceiveBudget = 256;  // messages taken per poll, so timers still run
constexpr std::size_t kLaterTickBudget = 256 << 20;  // bytes held for a tick not deployed yet

}  // namespace

WorkerLoop::WorkerLoop(const Job& job, const Placement& placement, WorkerId self,
                       Transport& transport, const EngineConfig& config, Hooks hooks,
                       Durability durability)
    : several_fronts_(placement.front_instances(job.graph).size() > 1),
      job_(job),
      placement_(placement),
      self_(self),
      transport_(transport),
      config_(config),
      hooks_(std::move(hooks)),
      storage_(durability.storage),
      graph_(job.graph, placement, self,
             WorkerGraph::Config{config.slot_width, config.ack_flush_deltas,
                                 static_cast<std::uint64_t>(wall_ns()), config.depth_first_local,
                                 several_fronts_}),
      outbox_(graph_.make_outbox()),
      next_ack_flush_(Clock::now() + config.ack_flush),
      front_(FrontHost::Env{job_, graph_, transport_, config_, self_, outbox_, [this] { after_processing(); }},
             durability.storage, durability.committed),
      partitions_(PartitionFrontHost::Env{job_, graph_, config_, outbox_, [this] { after_processing(); }},
                  std::move(hooks_.partition_inputs), durability.storage ? durability.storage->dir() : std::filesystem::path(),
                  durability.committed, durability.positions ? *durability.positions : PartitionPositions{}),
      front_progress_(placement.mapping.workers(), 0),
      front_host_(placement.mapping.workers(), false) {
  for (NodeId f : job.graph.fronts())
    for (WorkerId w : placement.hosts[f]) front_host_[w] = true;
  if (placement.acker_host == self)
    acker_.emplace(placement.front_instances(job.graph), config.slot_width,
                   storage_ ? config.tick_length : 0, placement.mapping.workers(), durability.committed,
                   [this](const wire::Body& body) { broadcast(body); }, hooks_.commit_ready);
  durable_ = durability.committed;
  if (hooks_.metrics) hooks_.metrics->begin_run(config_.tick, config_.epoch);
  bytes_at_start_ = transport_.bytes_sent();
  if (storage_) {
    if (durability.handed_over) {
      graph_.restore_state(*durability.handed_over, durability.committed);
    } else {
      storage_->restore(graph_, durability.committed);
    }
    writer_.emplace(*storage_);
  }
}

std::vector<Transport::Incoming> WorkerLoop::run(std::vector<Transport::Incoming> backlog) {
  std::vector<Transport::Incoming> incoming = std::move(backlog);
  front_.admit_pending();  // a recovery's replay starts at once
  while (!stopped_) {
    if (incoming.empty()) {
      // About to wait: nothing may sit in a page meanwhile. Under load the loop never waits, and
      // pages leave when full or batch_timeout old instead.
      if (local_.empty()) flush_pages();
      transport_.receive(local_.empty() ? until_next_timer() : std::chrono::microseconds(0),
                         incoming, kReceiveBudget);
    }
    for (auto& in : incoming) handle_bytes(in);
    incoming.clear();
    if (partitions_.reading()) partitions_.poll();
    // Only what is queued now: messages this round sends to itself wait for the next round.
    for (std::size_t n = local_.size(); n > 0 && !stopped_; --n) {
      wire::Message m = std::move(local_.front());
      local_.pop_front();
      handle({}, m);
    }
    on_timers();
  }
  flush_pages();
  flush_acks();
  if (front_.durable()) {
    front_.wait_idle();
    release_durable();
  }
  front_.refuse_pending();
  if (hooks_.metrics) publish_metrics();
  return std::move(later_tick_);
}

void WorkerLoop::handle_bytes(Transport::Incoming& in) {
  wire::Message message;
  try {
    // A later tick may have more workers or another graph: its limits are not ours to check, and
    // a claim of one is not proof that it exists. Keep it for the next deployment (bounded);
    // only the coordinator's word (a Stop) ends this one. A state request is answered now, below:
    // this worker may have no part in the later tick, and its new workers wait for the answer.
    if (wire::peek_tick(in.bytes) > config_.tick && !wire::peek_state_request(in.bytes))
      return keep_for_later_tick(in);
    message = wire::decode(in.bytes, wire::sized_for({job_.graph.nodes().size(), placement_.mapping.workers()},
                                                     in.bytes.size()));
  } catch (const wire::WireError& e) {
    // From a peer of this run, it carried items or acker deltas the run needs; from anyone else
    // it was never part of the job.
    if (hooks_.on_peer_message_lost && Transport::is_peer_identity(in.identity, config_.tick, config_.epoch))
      hooks_.on_peer_message_lost(std::string("a peer's message could not be decoded: ") + e.what());
    drop(e.what());
    return;
  }
  if (auto* request = std::get_if<wire::StateRequest>(&message.body)) {
    // A worker of a newer tick gathers the state it takes over, whatever tick runs here.
    wire::StateReply reply{request->end, {}, "this worker keeps no snapshots"};
    if (hooks_.serve_state) reply = hooks_.serve_state(*request);
    return transport_.reply(in.identity, wire::encode({message.tick, self_, std::move(reply)}));
  }
  if (wire::between_workers(message.body) && message.epoch != config_.epoch) {
    // A peer that recovered first already runs the next epoch: keep it for ours. An earlier
    // epoch's message refers to rolled-back state.
    if (message.epoch > config_.epoch) keep_for_later_tick(in);
    return;
  }
  const bool same_job = std::count(config_.lineage.begin(), config_.lineage.end(), message.tick) > 0;
  if (same_job && !wire::between_workers(message.body)) message.tick = config_.tick;  // continued
  if (message.tick < config_.tick) {
    if (auto* lines = std::get_if<wire::IngestLines>(&message.body))
      transport_.reply(in.identity, wire::encode({message.tick, self_,
                                                  wire::IngestAck{lines->seq, 0, "tick " + std::to_string(message.tick) + " has ended"}}));
    return;  // a page or delta of an ended tick: its job is gone
  }
  handle(in.identity, message);
}

void WorkerLoop::keep_for_later_tick(Transport::Incoming& in) {
  if (later_tick_bytes_ + in.bytes.size() > kLaterTickBudget) return drop("too much held for a later tick");
  later_tick_bytes_ += in.bytes.size();
  later_tick_.push_back(std::move(in));
}

void WorkerLoop::handle(const std::string& identity, wire::Message& message) {
  std::visit(Overloaded{
                 [&](wire::ItemBatch& b) { on_items(b.envelopes); },
                 [&](AckDelta& d) { on_ack_delta(d); },
                 [&](wire::MinTimeUpdate& m) { on_min_time(m.ts); },
                 [&](wire::FrontProgress& f) { on_front_progress(message.sender, f.ts); },
                 [&](wire::IngestLines& l) { front_.on_ingest(identity, l); },
                 [&](wire::TailRequest& r) {
                   if (!hooks_.tail) return drop("a tail request reached a worker without sinks");
                   transport_.reply(identity, wire::encode({config_.tick, self_, hooks_.tail(r)}));
                 },
                 [&](wire::Stop&) { stopped_ = true; },
                 [&](wire::Commit& c) { on_commit(message.sender, c); },
                 [&](wire::CommitAck& a) { on_commit_ack(message.sender, a); },
                 [&](auto&) { drop("a reply reached a worker"); },
             },
             message.body);
}

bool WorkerLoop::valid_batch(const std::vector<Envelope>& envelopes) const {
  for (const Envelope& e : envelopes) {
    const Node& n = job_.graph.node(e.node);
    if (n.is_front()) return false;
    if (n.is_sink() && !placement_.hosts_instance(n.id, self_)) return false;
  }
  return true;
}

void WorkerLoop::on_items(std::vector<Envelope>& envelopes) {
  if (!valid_batch(envelopes)) return drop("a page addressed a front or a sink hosted elsewhere");
  ++counters_.pages_in;
  try {
    graph_.process(envelopes, outbox_);
  } catch (const ValueError& e) {
    // A payload of the wrong shape for the job's functions: only a foreign sender makes one.
    return drop(std::string("a page carried a payload the job cannot handle: ") + e.what());
  }
  after_processing();
}

void WorkerLoop::after_processing() {
  // A page to this worker itself costs nothing to send, and holding it back would stretch every
  // trip around a cycle: it goes at once. Pages to peers wait to fill up.
  if (!outbox_[self_].empty()) {
    local_.push_back(wire::Message{config_.tick, self_, wire::ItemBatch{std::move(outbox_[self_])}});
    outbox_[self_].clear();
  }
  bool pending = false;
  for (const auto& page : outbox_) {
    if (page.size() >= config_.batch_items) return flush_pages();
    pending = pending || !page.empty();
  }
  if (pending && !pages_since_) pages_since_ = Clock::now();
  if (graph_.acks().full()) flush_acks();
}

void WorkerLoop::on_ack_delta(const AckDelta& delta) {
  if (!acker_) return drop("an acker delta reached a worker that does not host the acker");
  acker_->on_delta(delta);
}

void WorkerLoop::on_commit(WorkerId from, const wire::Commit& commit) {
  if (!storage_) return drop("a commit reached a worker without exactly-once storage");
  if (from != placement_.acker_host) return drop("a commit came from a worker that is not the acker");
  if (commit.end > min_ts_) return drop("a commit ran ahead of the minimal time");
  if (commit_ack_ || waiting_commit_) return drop("a commit came while the previous one was still being written");
  if (commit.end != tick_snapshot_.end())
    return drop("a commit named a tick end other than the last one the minimal time passed");
  if (tick_snapshot_.under_way()) {
    commit_started_ = Clock::now();
    waiting_commit_ = commit;  // goes on when the snapshot is taken (take_tick_snapshot)
    return;
  }
  if (!tick_snapshot_.ready()) return drop("a commit came for a tick end already committed");
  commit_started_ = Clock::now();
  commit_tick(commit);
}

void WorkerLoop::commit_tick(const wire::Commit& commit) {
  auto obsolete = storage_->bound_logs(commit.committed);
  auto promises = partitions_.truncate_below(commit.committed);
  obsolete.insert(obsolete.end(), promises.begin(), promises.end());
  commit_ack_ = wire::CommitAck{commit.end, {}, storage_->determinants(commit.end)};
  for (const auto& d : partitions_.determinants(commit.end)) commit_ack_->fronts.push_back(d);
  writer_->submit(commit.end, commit.committed, tick_snapshot_.take_page(), std::move(obsolete));
}

void WorkerLoop::take_tick_snapshot(std::size_t max_slots) {
  if (!tick_snapshot_.step(graph_, max_slots) || !waiting_commit_) return;
  const wire::Commit commit = *waiting_commit_;
  waiting_commit_.reset();
  commit_tick(commit);
}

void WorkerLoop::answer_commit() {
  auto done = writer_->done();
  if (!done) return;
  commit_ack_->snapshot = std::move(done->snapshot);
  send(placement_.acker_host, std::move(*commit_ack_));
  commit_ack_.reset();
  counters_.last_commit_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - commit_started_).count();
  counters_.commit_ns += counters_.last_commit_ns;
  ++counters_.commits;
}

void WorkerLoop::on_commit_ack(WorkerId from, wire::CommitAck& ack) {
  if (!acker_ || !acker_->on_commit_ack(from, ack))
    drop("a commit acknowledgment reached a worker that does not commit");
}

void WorkerLoop::on_min_time(Timestamp min_ts) {
  if (min_ts <= min_ts_) return;
  min_ts_ = min_ts;
  // With commits: the state a commit at a tick end needs is fixed when the minimal time first
  // passes that end; taking it starts now, before the groupings trim past it, and goes on a part
  // a round (on_timers). (Waiting for the Commit message instead meant keeping every entry since
  // the last tick end — half a second of input, ~100 MB at 500 k words/s — and trimming it in
  // bursts.) The acker commits the tick end below the minimal time it last broadcast, and sends
  // the Commit behind that update, so the end a Commit names is the one taken here.
  if (config_.tick_length > 0 && storage_) {
    const Timestamp end = commit_boundary(min_ts, config_.tick_length);
    if (end > tick_snapshot_.end()) {
      if (tick_snapshot_.under_way()) take_tick_snapshot(std::numeric_limits<std::size_t>::max());
      tick_snapshot_.begin(graph_, end);
    }
  }
  graph_.on_min_time(min_ts, hooks_.release);
  if (hooks_.on_min_time) hooks_.on_min_time(min_ts);
  front_.on_min_time(min_ts);
  partitions_.on_min_time(min_ts);
  if (min_ts == kInfinity && hooks_.on_all_released) hooks_.on_all_released();
}

void WorkerLoop::on_front_progress(WorkerId from, Timestamp ts) {
  if (from >= front_progress_.size() || !front_host_[from])
    return drop("front progress came from a worker hosting no front");
  front_progress_[from] = std::max(front_progress_[from], ts);
  Timestamp frontier = kInfinity;
  for (WorkerId w = 0; w < front_progress_.size(); ++w)
    if (front_host_[w]) frontier = std::min(frontier, front_progress_[w]);
  graph_.release_held(frontier, outbox_);
  after_processing();
}

void WorkerLoop::announce_front_progress() {
  const Timestamp progress = graph_.front_progress(wall_ns());
  if (progress <= progress_sent_) return;
  progress_sent_ = progress;
  broadcast(wire::FrontProgress{progress});  // behind the pages just flushed, on every channel
}

void WorkerLoop::release_durable() {
  const std::uint64_t synced = front_.synced();
  while (!held_acks_.empty() && held_acks_.front().first <= synced) {
    send(placement_.acker_host, std::move(held_acks_.front().second));
    held_acks_.pop_front();
  }
  front_.release_replies();
}

void WorkerLoop::drop(const std::string& why) {
  ++counters_.dropped_messages;
  if (logged_drop_) return;
  logged_drop_ = true;
  std::cerr << "flamestream worker " << self_ << ": dropped a message: " << why
            << " (further drops are only counted)\n";
}

void WorkerLoop::send(WorkerId dst, wire::Body body) {
  wire::Message m{config_.tick, self_, std::move(body), config_.epoch};
  if (dst == self_) return local_.push_back(std::move(m));
  transport_.send(dst, wire::encode(m));
}

void WorkerLoop::broadcast(const wire::Body& body) {
  for (WorkerId w = 0; w < placement_.mapping.workers(); ++w) send(w, body);
}

void WorkerLoop::flush_pages() {
  pages_since_.reset();
  for (WorkerId dst = 0; dst < outbox_.size(); ++dst) {
    if (outbox_[dst].empty()) continue;
    send(dst, wire::ItemBatch{std::move(outbox_[dst])});
    outbox_[dst].clear();
  }
}

void WorkerLoop::flush_acks() {
  // With several fronts: how far this worker's fronts got goes to every worker, behind the pages
  // with the items below it (FrontProgress): the groupings there hold those items until then.
  if (several_fronts_ && front_host_[self_]) {
    flush_pages();
    announce_front_progress();
  }
  AckDelta delta = graph_.acks().take();
  if (!delta.empty()) ++counters_.acker_deltas_sent;
  if (!front_.durable()) {
    if (!delta.empty()) send(placement_.acker_host, std::move(delta));
    return;
  }
  // A delta cut after a log write may register that line's items: it waits for the sync, and so
  // does every later one, so the acker applies them in order.
  if (!delta.empty()) held_acks_.push_back({front_.written(), std::move(delta)});
  release_durable();
}

void WorkerLoop::on_timers() {
  const auto now = Clock::now();
  if (pages_since_ && now - *pages_since_ >= config_.batch_timeout) flush_pages();
  if (front_.durable()) release_durable();
  if (tick_snapshot_.under_way()) take_tick_snapshot(TickSnapshot::kSlotsPerStep);
  if (commit_ack_) answer_commit();
  if (acker_) acker_->on_durable(durable_.load());
  if (now >= next_ack_flush_) {
    next_ack_flush_ = now + config_.ack_flush;
    graph_.report_open_fronts(wall_ns());  // heartbeats: an idle front must not stall the rest
    flush_acks();
  }
  if (hooks_.metrics && now >= next_publish_) {
    next_publish_ = now + std::chrono::milliseconds(100);
    publish_metrics();
  }
}

std::chrono::microseconds WorkerLoop::until_next_timer() const {
  const auto now = Clock::now();
  auto wait = std::max(std::chrono::microseconds(0),
                       std::chrono::duration_cast<std::chrono::microseconds>(next_ack_flush_ - now));
  // Something waits for a sync: look again soon (the syncer cannot wake the socket poll).
  if (!held_acks_.empty() || front_.holds_replies()) wait = std::min(wait, std::chrono::microseconds(100));
  if (commit_ack_) wait = std::min(wait, std::chrono::microseconds(1000));
  // A partitioned front's source cannot wake the socket poll: look at it every millisecond.
  if (partitions_.reading()) wait = std::min(wait, std::chrono::microseconds(1000));
  if (tick_snapshot_.under_way()) wait = std::chrono::microseconds(0);  // parts still to take
  return wait;
}

}  // namespace flamestream
