#include "runtime/simulator.h"

#include <algorithm>
#include <map>
#include <variant>

#include "acker/ack_table.h"
#include "model/errors.h"
#include "sink/release_merge.h"

namespace flamestream {

namespace {

struct MinTime {
  Timestamp ts;
};
using Message = std::variant<std::vector<Envelope>, AckDelta, MinTime>;

struct Delivery {
  WorkerId src, dst;
  Message message;
};
struct FrontTick {
  NodeId front;
};
struct FlushTimer {
  WorkerId worker;
};

struct Event {
  Timestamp at;
  std::uint64_t seq;  // breaks ties in scheduling order, which keeps channels FIFO
  std::variant<Delivery, FrontTick, FlushTimer> what;
};

struct ItemMeta {
  const Meta& operator()(const Item& item) const { return item.meta; }
};

struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
};

class SimRun {
 public:
  SimRun(const LogicalGraph& graph, const SimConfig& config, const InputFn& next_input,
         const ReleaseFn& release);
  RunStats run();

 private:
  void schedule(Timestamp at, decltype(Event::what) what);
  void send(WorkerId src, WorkerId dst, Message message);
  void send_outbox(WorkerId src, Outbox& out);
  void after_delta(WorkerId w);
  void flush(WorkerId w);

  void on(Delivery& d);
  void on(const FrontTick& t);
  void on(const FlushTimer& t);
  void deliver_batch(WorkerId dst, const std::vector<Envelope>& batch);
  void deliver_delta(const AckDelta& delta);
  void release_checked(WorkerId w, NodeId sink, const Item& item);
  // The client's part: every instance of `front` but `fed` learns that nothing below `ts` comes.
  void promise_others(NodeId front, WorkerId fed, Timestamp ts);
  void check_finished() const;

  const LogicalGraph& graph_;
  const SimConfig& config_;
  const InputFn& next_input_;
  const ReleaseFn& release_;
  Placement placement_;
  std::vector<std::unique_ptr<WorkerGraph>> workers_;
  AckTable acker_;
  std::mt19937_64 jitter_rng_;
  std::vector<Event> queue_;  // a heap ordered by Later
  std::uint64_t seq_ = 0;
  Timestamp now_ = 0;
  std::vector<Timestamp> channel_clear_;  // by src * K + dst: when its last message arrives
  std::vector<bool> flush_armed_;
  std::map<Timestamp, std::size_t> in_flight_;  // timestamps of envelopes sent, not yet processed
  std::vector<std::vector<std::optional<Meta>>> last_released_;  // by worker, sink node id
  std::vector<std::size_t> inputs_;    // by front node: inputs taken so far
  std::vector<Timestamp> last_input_;  // by front node: the time the last input was given
  // By sink node: its instances' releases merged into one order (DESIGN §6).
  std::vector<std::unique_ptr<ReleaseMerge<Item, ByMeta<Item, ItemMeta>>>> merges_;
  Outbox outbox_;
  RunStats stats_;
};

SimRun::SimRun(const LogicalGraph& graph, const SimConfig& config, const InputFn& next_input,
               const ReleaseFn& release)
    : graph_(graph),
      config_(config),
      next_input_(next_input),
      release_(release),
      placement_(Placement::spread(graph, config.workers, config.scatter_forward)),
      acker_(placement_.front_instances(graph), config.slot_width),
      jitter_rng_(config.seed),
      channel_clear_(config.workers * config.workers, 0),
      flush_armed_(config.workers, false),
      last_released_(config.workers, std::vector<std::optional<Meta>>(graph.nodes().size())),
      inputs_(graph.nodes().size(), 0),
      last_input_(graph.nodes().size(), 0),
      merges_(graph.nodes().size()) {
  for (NodeId s : graph.sinks()) merges_[s] = std::make_unique<ReleaseMerge<Item, ByMeta<Item, ItemMeta>>>(config.workers);
  for (WorkerId w = 0; w < config.workers; ++w)
    workers_.push_back(std::make_unique<WorkerGraph>(
        graph, placement_, w,
        WorkerGraph::Config{config.slot_width, config.ack_flush_deltas, config.seed,
                            config.depth_first_local}));
  outbox_ = workers_[0]->make_outbox();
  // One client feeds every front instance and hands out the times (Front::bind).
  for (NodeId f : graph.fronts())
    for (WorkerId w : placement_.hosts[f]) workers_[w]->bind_front(f);
}

RunStats SimRun::run() {
  for (NodeId f : graph_.fronts()) schedule(0, FrontTick{f});
  while (!queue_.empty()) {
    std::pop_heap(queue_.begin(), queue_.end(), Later{});
    Event event = std::move(queue_.back());
    queue_.pop_back();
    now_ = event.at;
    std::visit([this](auto& what) { on(what); }, event.what);
  }
  check_finished();
  for (const auto& w : workers_) w->add_state_counters(stats_);
  stats_.virtual_ms = static_cast<double>(now_) / 1e6;
  return stats_;
}

void SimRun::schedule(Timestamp at, decltype(Event::what) what) {
  queue_.push_back(Event{at, seq_++, std::move(what)});
  std::push_heap(queue_.begin(), queue_.end(), Later{});
}

void SimRun::send(WorkerId src, WorkerId dst, Message message) {
  Timestamp at = now_ + config_.latency_ns;
  if (config_.jitter_ns > 0)
    at += std::uniform_int_distribution<Timestamp>(0, config_.jitter_ns)(jitter_rng_);
  Timestamp& clear = channel_clear_[src * config_.workers + dst];
  at = std::max(at, clear);  // never overtake an earlier message on the same channel
  clear = at;
  ++stats_.messages;
  schedule(at, Delivery{src, dst, std::move(message)});
}

void SimRun::send_outbox(WorkerId src, Outbox& out) {
  for (WorkerId dst = 0; dst < out.size(); ++dst) {
    if (out[dst].empty()) continue;
    for (const Envelope& e : out[dst]) ++in_flight_[e.item.meta.time.ts];
    send(src, dst, std::move(out[dst]));
    out[dst].clear();
  }
}

void SimRun::after_delta(WorkerId w) {
  DeltaAggregator& acks = workers_[w]->acks();
  if (acks.full()) {
    flush(w);
  } else if (!flush_armed_[w] && !acks.empty()) {
    flush_armed_[w] = true;
    schedule(now_ + config_.ack_flush_ns, FlushTimer{w});
  }
}

void SimRun::flush(WorkerId w) {
  AckDelta delta = workers_[w]->acks().take();
  if (!delta.empty()) send(w, placement_.acker_host, std::move(delta));
}

// The input of a front goes to its instances in turn, as a client spreading it would send it: the
// client gives each input a time above the one before and promises every other instance that
// nothing below it comes any more.
void SimRun::on(const FrontTick& t) {
  const std::vector<WorkerId>& hosts = placement_.hosts[t.front];
  std::optional<Value> payload = next_input_(t.front);
  if (!payload) {
    for (WorkerId w : hosts) {
      workers_[w]->close_front(t.front);
      flush(w);  // the last promise (infinity) must not wait for a timer
    }
    return;
  }
  const WorkerId host = hosts[inputs_[t.front]++ % hosts.size()];
  const Timestamp ts = std::max(now_, last_input_[t.front] + 1);
  last_input_[t.front] = ts;
  WorkerGraph& worker = *workers_[host];
  worker.ingest(t.front, std::move(*payload), ts, outbox_);
  ++stats_.items_in;
  if (config_.reports_overtake_registrations) {
    AckDelta early;
    early.reports.push_back({front_instance(t.front, host), worker.front_next_ts(t.front, now_)});
    send(host, placement_.acker_host, std::move(early));
  }
  send_outbox(host, outbox_);
  after_delta(host);
  promise_others(t.front, host, ts + 1);
  schedule(now_ + config_.input_interval_ns, FrontTick{t.front});
}

void SimRun::promise_others(NodeId front, WorkerId fed, Timestamp ts) {
  for (WorkerId w : placement_.hosts[front]) {
    if (w == fed) continue;
    workers_[w]->raise_promise(front, ts);
    after_delta(w);
  }
}

void SimRun::on(const FlushTimer& t) {
  flush_armed_[t.worker] = false;
  flush(t.worker);
}

void SimRun::on(Delivery& d) {
  std::visit(
      [&](auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, std::vector<Envelope>>) {
          deliver_batch(d.dst, m);
        } else if constexpr (std::is_same_v<M, AckDelta>) {
          deliver_delta(m);
        } else {
          const WorkerId w = d.dst;
          workers_[w]->on_min_time(m.ts, [&](NodeId sink, const Item& item) { release_checked(w, sink, item); });
          for (NodeId sink : graph_.sinks()) {
            merges_[sink]->advance(w, m.ts);
            merges_[sink]->drain([&](const Item& item) { release_(sink, item); });
          }
        }
      },
      d.message);
}

void SimRun::deliver_batch(WorkerId dst, const std::vector<Envelope>& batch) {
  workers_[dst]->process(batch, outbox_);
  for (const Envelope& e : batch) {
    auto it = in_flight_.find(e.item.meta.time.ts);
    if (--it->second == 0) in_flight_.erase(it);
  }
  send_outbox(dst, outbox_);
  after_delta(dst);
}

void SimRun::deliver_delta(const AckDelta& delta) {
  ++stats_.acker_deltas;
  const bool advanced = acker_.apply(delta);
  check_invariant(acker_.regressions() == 0,
                  "the minimal time would have moved backward: a registration or report came late");
  if (!advanced) return;
  for (WorkerId w = 0; w < workers_.size(); ++w)
    send(placement_.acker_host, w, MinTime{acker_.min_time()});
}

void SimRun::release_checked(WorkerId w, NodeId sink, const Item& item) {
  const Timestamp ts = item.meta.time.ts;
  const std::string what = "sink '" + graph_.node(sink).name + "' released " + to_string(item.meta);
  if (!in_flight_.empty() && in_flight_.begin()->first <= ts)
    on_internal_error(what + " while an item of time " + std::to_string(in_flight_.begin()->first) +
                      " was in flight");
  for (NodeId f : graph_.fronts()) {
    for (WorkerId host : placement_.hosts[f]) {
      const Timestamp next = workers_[host]->front_next_ts(f, now_);
      if (next <= ts)
        on_internal_error(what + " while front '" + graph_.node(f).name + "' on worker " +
                          std::to_string(host) + " could still emit time " + std::to_string(next));
    }
  }
  auto& last = last_released_[w][sink];
  if (last && !(*last < item.meta)) on_internal_error(what + " after " + to_string(*last));
  last = item.meta;
  merges_[sink]->push(w, item);
}

void SimRun::check_finished() const {
  check_invariant(in_flight_.empty(), "the simulation ended with items in flight");
  check_invariant(acker_.min_time() == kInfinity,
                  "the simulation ended before the minimal time reached infinity");
  for (const auto& w : workers_)
    check_invariant(w->sink_buffered() == 0, "the simulation ended with items held in a sink");
  for (NodeId s : graph_.sinks())
    check_invariant(merges_[s]->held() == 0, "the simulation ended with items held in a sink's merge");
}

}  // namespace

RunStats simulate(const LogicalGraph& graph, const SimConfig& config, const InputFn& next_input,
                  const ReleaseFn& release) {
  check_invariant(config.workers > 0, "the simulator needs at least one worker");
  return SimRun(graph, config, next_input, release).run();
}

}  // namespace flamestream
