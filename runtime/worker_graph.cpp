#include "runtime/worker_graph.h"

#include <algorithm>

#include "model/burst_buffer.h"
#include "model/errors.h"

namespace flamestream {

WorkerGraph::WorkerGraph(const LogicalGraph& graph, const Placement& placement, WorkerId self,
                         Config config)
    : graph_(graph),
      placement_(placement),
      self_(self),
      acks_(config.slot_width, config.flush_deltas),
      ids_(config.seed * 0x9E3779B97F4A7C15ULL + self),
      depth_first_(config.depth_first_local),
      groupings_(graph.nodes().size()),
      tally_(graph.nodes().size()),
      sinks_(graph.nodes().size()),
      fronts_(graph.nodes().size()),
      hold_front_items_(config.hold_front_items) {
  for (const Node& n : graph.nodes()) {
    if (auto* g = std::get_if<GroupingOp>(&n.op)) groupings_[n.id] = std::make_unique<GroupingState>(*g);
    if (n.is_sink() && placement.hosts_instance(n.id, self)) sinks_[n.id] = std::make_unique<SinkBarrier>();
    if (n.is_front() && placement.partitions_of(n.id) > 0) {
      for (std::uint32_t p : placement.partitions_on(n.id, self)) {
        auto f = std::make_unique<Front>(partition_instance(n.id, p));
        f->bind();  // stamped from its records' times, never from the clock
        partition_fronts_.push_back({n.id, p, std::move(f)});
      }
    } else if (n.is_front() && placement.hosts_instance(n.id, self)) {
      fronts_[n.id] = std::make_unique<Front>(front_instance(n.id, self));
    }
    plan_.push_back(plan_of(n, placement, self, groupings_[n.id] != nullptr));
  }
}

WorkerGraph::NodePlan WorkerGraph::plan_of(const Node& node, const Placement& placement, WorkerId self,
                                           bool grouping) {
  NodePlan plan{StepKind::fan_out, false, 0};
  if (node.is_sink()) {
    plan.kind = StepKind::sink;
  } else if (grouping) {
    plan.kind = StepKind::grouping;
  } else if (is_one_to_one(node.op)) {
    plan.kind = StepKind::one_to_one;
  }
  // The cases of Placement::route_hashed whose answer does not depend on the payload.
  switch (node.partitioning) {
    case Partitioning::pinned:
      return {plan.kind, true, placement.sink_instance(node.id, self)};
    case Partitioning::forward:
      if (!placement.scatter_forward) return {plan.kind, true, self};
      [[fallthrough]];
    case Partitioning::by_payload:
    case Partitioning::by_key:
      if (placement.mapping.ranges().size() == 1)
        return {plan.kind, true, placement.mapping.ranges().front().worker};
  }
  return plan;
}

void WorkerGraph::ingest(NodeId front, Value payload, Timestamp now, Outbox& out) {
  Front& f = *fronts_[front];
  check_invariant(!f.closed(), "input reached a closed front");
  ingest_stamped(front, Item{std::move(payload), Meta{f.stamp(now), {}}, false}, now, out);
}

void WorkerGraph::ingest_logged(NodeId front, Value payload, Timestamp ts, Outbox& out) {
  ingest_stamped(front, Item{std::move(payload), Meta{fronts_[front]->restamp(ts), {}}, false}, ts, out);
}

void WorkerGraph::ingest_stamped(NodeId front, Item item, Timestamp promise, Outbox& out) {
  ++tally_[front].in;
  ++tally_[front].out;
  forward(front, 0, item, out);
  drain(out);
  acks_.end_delta();
  acks_.report(fronts_[front]->id(), fronts_[front]->promise(promise));
}

void WorkerGraph::report(NodeId front, Timestamp now) {
  acks_.report(fronts_[front]->id(), fronts_[front]->promise(now));
}

Timestamp WorkerGraph::bind_front(NodeId front) {
  Front& f = *fronts_[front];
  const Timestamp floor = f.bind();
  acks_.report(f.id(), f.promise(0));
  return floor;
}

void WorkerGraph::raise_promise(NodeId front, Timestamp ts) {
  Front& f = *fronts_[front];
  f.raise_promise(ts);
  acks_.report(f.id(), f.promise(0));
}

void WorkerGraph::report_open_fronts(Timestamp now) {
  for (const auto& f : fronts_)
    if (f && !f->closed()) acks_.report(f->id(), f->promise(now));
  for (const auto& p : partition_fronts_)
    if (!p.front->closed()) acks_.report(p.front->id(), p.front->promise(now));
}

Timestamp WorkerGraph::front_progress(Timestamp now) const {
  Timestamp lowest = kInfinity;
  for (const auto& f : fronts_)
    if (f) lowest = std::min(lowest, f->next_ts(now));
  for (const auto& p : partition_fronts_) lowest = std::min(lowest, p.front->next_ts(now));
  return lowest;
}

void WorkerGraph::ingest_partition(std::size_t slot, std::vector<Value>& payloads,
                                   const std::vector<Timestamp>& times, Timestamp spacing, Outbox& out,
                                   std::vector<Timestamp>& stamps) {
  PartitionFront& p = partition_fronts_[slot];
  const Front& f = *p.front;
  // Bound: the promise after the batch ignores the proposed time (k == payloads.size()).
  auto time_of = [&](std::size_t k) { return k < times.size() ? std::max(times[k], f.last_ts() + spacing) : 0; };
  ingest_into(*p.front, p.node, payloads, time_of, out, stamps);
}

void WorkerGraph::raise_partition_promise(std::size_t slot, Timestamp ts) {
  Front& f = *partition_fronts_[slot].front;
  f.raise_promise(ts);
  acks_.report(f.id(), f.promise(0));
}

void WorkerGraph::close_partition(std::size_t slot) {
  Front& f = *partition_fronts_[slot].front;
  f.close();
  acks_.report(f.id(), kInfinity);
}

void WorkerGraph::close_front(NodeId front) {
  fronts_[front]->close();
  acks_.report(fronts_[front]->id(), kInfinity);
}

void WorkerGraph::process(std::span<const Envelope> batch, Outbox& out) {
  for (const Envelope& env : batch) {
    acks_.add(env.item.meta.time.ts, env.ack_id);
    Item item = env.item;
    arrive(env.node, item, nullptr, out);
    drain(out);
  }
  acks_.end_delta();
}

void WorkerGraph::process(std::vector<Envelope>& batch, Outbox& out) {
  look_ahead(batch);
  run_with_lookahead(batch, true, out);
  acks_.end_delta();
}

void WorkerGraph::ingest_batch(NodeId front, std::vector<Value>& payloads, Timestamp now,
                               Outbox& out, std::vector<Timestamp>& stamps, Timestamp stride) {
  ingest_into(*fronts_[front], front, payloads, [&](std::size_t k) { return now + k * stride; }, out, stamps);
}

template <class TimeOf>
void WorkerGraph::ingest_into(Front& f, NodeId front, std::vector<Value>& payloads, TimeOf time_of,
                              Outbox& out, std::vector<Timestamp>& stamps) {
  if (payloads.empty()) return;
  check_invariant(!f.closed(), "input reached a closed front");
  struct Unpark {  // also when a function throws: the graph must not stay parking
    WorkerGraph& g;
    ~Unpark() {
      g.park_at_groupings_ = false;
      clear_burst(g.parked_);
      clear_burst(g.ahead_);
    }
  } unpark{*this};
  ahead_.clear();
  park_at_groupings_ = true;
  tally_[front].in += payloads.size();
  tally_[front].out += payloads.size();
  for (std::size_t k = 0; k < payloads.size(); ++k) {
    Item item{std::move(payloads[k]), Meta{f.stamp(time_of(k)), {}}, false};
    stamps.push_back(item.meta.time.ts);
    forward(front, 0, item, out);
    drain(out);
  }
  park_at_groupings_ = false;
  run_with_lookahead(parked_, false, out);
  acks_.end_delta();
  acks_.report(f.id(), f.promise(time_of(payloads.size())));
}

void WorkerGraph::run_with_lookahead(std::vector<Envelope>& batch, bool acked, Outbox& out) {
  check_invariant(ahead_.size() == batch.size(), "a batch ran without its lookahead");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Envelope& env = batch[i];
    prefetch_ahead(i);
    if (acked) acks_.add(env.item.meta.time.ts, env.ack_id);
    arrive(env.node, env.item, ahead_[i].grouping ? &ahead_[i].key_hash : nullptr, out);
    drain(out);
  }
}

void WorkerGraph::look_ahead(const std::vector<Envelope>& batch) {
  ahead_.clear();
  for (const Envelope& env : batch) {
    GroupingState* g = env.node < groupings_.size() ? groupings_[env.node].get() : nullptr;
    // An item its grouping will hold goes in later, with a lookahead of its own then: hashing and
    // fetching its bucket now would be wasted.
    ahead_.push_back(g && !holds(env.item) ? ahead_of(*g, env.item.payload) : Ahead{nullptr, 0});
  }
}

WorkerGraph::Ahead WorkerGraph::ahead_of(GroupingState& grouping, const Value& payload) {
  try {
    return {&grouping, grouping.key_hash(payload)};
  } catch (const ValueError&) {
    return {nullptr, 0};  // a payload the key function rejects: on_item throws, in order
  }
}

void WorkerGraph::park(NodeId id, Item& item, const std::uint64_t* key_hash) {
  GroupingState& g = *groupings_[id];
  ahead_.push_back(key_hash ? Ahead{&g, *key_hash} : ahead_of(g, item.payload));
  parked_.emplace_back(id, std::move(item), 0);  // no temporary: an Item is ~200 bytes
}

bool WorkerGraph::holds(const Item& item) const {
  if (!hold_front_items_ || releasing_ || item.meta.time.ts < frontier_) return false;
  for (const LocalTime& t : item.meta.trace)
    if (t.logical != 0) return false;  // it passed a grouping: it follows its cause, in order
  return true;
}

void WorkerGraph::hold(NodeId grouping, Item& item) {
  const std::uint64_t id = ids_();
  acks_.add(item.meta.time.ts, id);  // in flight until it goes in: the minimal time waits for it
  held_.emplace_back(grouping, std::move(item), id);
}

void WorkerGraph::release_held(Timestamp frontier, Outbox& out) {
  if (frontier <= frontier_) return;
  frontier_ = frontier;
  // Sorted by index, each envelope then moved once: an envelope is ~200 bytes, and a sort in place
  // moved each many times (with several fronts, most of a worker's instructions went there).
  held_below_.clear();
  for (std::size_t i = 0; i < held_.size(); ++i)
    if (held_[i].item.meta.time.ts < frontier_) held_below_.push_back(static_cast<std::uint32_t>(i));
  if (held_below_.empty()) return;
  order_by_meta(held_below_, release_order_);
  releasing_batch_.clear();
  releasing_batch_.reserve(release_order_.size());
  for (const std::uint32_t i : release_order_) releasing_batch_.push_back(std::move(held_[i]));
  // The rest stays, in arrival order; held_below_ is ascending.
  std::size_t kept = 0;
  auto next_below = held_below_.begin();
  for (std::size_t i = 0; i < held_.size(); ++i) {
    if (next_below != held_below_.end() && *next_below == i) {
      ++next_below;
      continue;
    }
    if (kept != i) held_[kept] = std::move(held_[i]);
    ++kept;
  }
  held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(kept), held_.end());
  releasing_ = true;
  struct Done {  // also when a function throws
    WorkerGraph& g;
    ~Done() {
      g.releasing_ = false;
      clear_burst(g.releasing_batch_);
    }
  } done{*this};
  look_ahead(releasing_batch_);
  run_with_lookahead(releasing_batch_, true, out);
  acks_.end_delta();
}

// Each front's items reach a worker in meta order (one path, FIFO channels), so the held items
// are one sorted run per front, interleaved: merged, not sorted (a sort's n log n comparisons of
// metas were most of the cost). A run found out of order is sorted with the rest, to be safe.
void WorkerGraph::order_by_meta(const std::vector<std::uint32_t>& indices, std::vector<std::uint32_t>& out) {
  const auto before = [&](std::uint32_t a, std::uint32_t b) { return held_[a].item.meta < held_[b].item.meta; };
  for (auto& run : front_runs_) run.second.clear();
  bool in_order = true;
  for (const std::uint32_t i : indices) {
    const FrontId front = held_[i].item.meta.time.front;
    auto run = std::find_if(front_runs_.begin(), front_runs_.end(), [&](const auto& r) { return r.first == front; });
    if (run == front_runs_.end()) run = front_runs_.insert(front_runs_.end(), {front, {}});
    if (!run->second.empty() && !before(run->second.back(), i)) in_order = false;
    run->second.push_back(i);
  }
  out.clear();
  if (!in_order) {
    out = indices;
    std::sort(out.begin(), out.end(), before);
    return;
  }
  for (const auto& run : front_runs_) {
    if (run.second.empty()) continue;
    const auto middle = static_cast<std::ptrdiff_t>(out.size());
    out.insert(out.end(), run.second.begin(), run.second.end());
    std::inplace_merge(out.begin(), out.begin() + middle, out.end(), before);
  }
}

void WorkerGraph::prefetch_ahead(std::size_t i) {
  using Stage = GroupingState::PrefetchStage;
  // The item 2k ahead gets stage 4 − k (cell, slot, newest entry, its payload): each line has
  // about two items' processing time to arrive before the next stage reads it (one was not
  // enough: the next stage still waited). The first few items of a page go without.
  constexpr Stage kStages[] = {Stage::newest_payload, Stage::newest_entry, Stage::slot, Stage::cell};
  constexpr std::size_t kSpacing = 2;
  for (std::size_t k = 1; k <= std::size(kStages); ++k) {
    const std::size_t j = i + k * kSpacing;
    if (j >= ahead_.size()) break;
    if (ahead_[j].grouping) ahead_[j].grouping->prefetch(ahead_[j].key_hash, kStages[k - 1]);
  }
}

// Items move as little as possible: an item is processed where it lies (an engine's page, an
// operation's output buffer) and one-to-one operations (map, filter, merge) change it in place, so
// a chain of them costs no move at all. An operation with several outputs, or one that stores its
// input (grouping), writes to a new level; its outputs for other workers go to the outbox at once
// and the rest are processed from the level, first output first, each to the end before the next —
// the depth-first order of the reference executor, with the outbox and the ack ids in the same order
// as one stack of pending envelopes would give them.
void WorkerGraph::arrive(NodeId id, Item& item, const std::uint64_t* key_hash, Outbox& out) {
  NodeId at = id;
  try {
    arrive_steps(at, item, key_hash, out);
  } catch (const JobFunctionError&) {
    throw;  // from a deeper arrive(): it named its node already
  } catch (const ValueError&) {
    throw;  // a payload of the wrong shape: the engine decides whose fault it is
  } catch (const InternalError&) {
    throw;
  } catch (const std::exception& e) {
    const Node& node = graph_.node(at);
    throw JobFunctionError("operation '" + node.name + "' (" + operation_name(node.op) + ") threw: " + e.what());
  }
}

void WorkerGraph::arrive_steps(NodeId& id, Item& item, const std::uint64_t* key_hash, Outbox& out) {
  std::uint64_t routed_hash = 0;
  for (;;) {
    const StepKind kind = plan_[id].kind;
    if (kind == StepKind::sink) {
      check_invariant(sinks_[id] != nullptr, "an item reached a sink on a worker not hosting it");
      ++tally_[id].in;
      sinks_[id]->on_item(std::move(item));
      return;
    }
    if (kind == StepKind::grouping) {
      if (park_at_groupings_) return park(id, item, key_hash);
      if (holds(item)) return hold(id, item);
      std::vector<Output>& emitted = grouping_outputs_;
      emitted.clear();  // left over only if a function threw mid-step
      if (key_hash) {
        groupings_[id]->on_item(std::move(item), *key_hash, emitted);
      } else {
        groupings_[id]->on_item(std::move(item), emitted);
      }
      ++tally_[id].in;
      tally_[id].out += emitted.size();
      if (emitted.size() == 1) {
        // The common case, an item in order: its one window is the next item of this chain, as
        // a level's only output would be next (drain takes the newest level first) — without
        // the level. `item` was moved into the grouping; the window takes its place.
        const NodeId next = graph_.node(id).outputs[emitted[0].port];
        item = std::move(emitted[0].item);
        emitted.clear();
        const Placement::Route r = route_to(next, item.payload);
        if (r.worker != self_ || !depth_first_) return send(next, r.worker, std::move(item), out);
        id = next;
        key_hash = r.hashed ? &(routed_hash = r.hash) : nullptr;
        continue;
      }
      // `item` may lie in a level's buffer: opening a level can move the Level objects, never
      // their buffers, so the reference stays valid.
      Level& level = open_level(id);
      std::swap(level.outputs, emitted);  // emitted gets the level's old, cleared buffer
      return dispatch(level, out);
    }
    const Node& node = graph_.node(id);
    if (kind == StepKind::fan_out) {
      Level& level = open_level(id);
      apply_stateless(node.op, node.outputs.size(), std::move(item), level.outputs);
      ++tally_[id].in;
      tally_[id].out += level.outputs.size();
      return dispatch(level, out);
    }
    ++tally_[id].in;
    if (!apply_in_place(node.op, item)) return;
    ++tally_[id].out;
    const NodeId next = node.outputs[0];
    const Placement::Route r = route_to(next, item.payload);
    if (r.worker != self_ || !depth_first_) return send(next, r.worker, std::move(item), out);
    id = next;
    key_hash = r.hashed ? &(routed_hash = r.hash) : nullptr;
  }
}

void WorkerGraph::forward(NodeId from, std::size_t port, Item& item, Outbox& out) {
  const NodeId next = graph_.node(from).outputs[port];
  const Placement::Route r = route_to(next, item.payload);
  if (r.worker != self_ || !depth_first_) return send(next, r.worker, std::move(item), out);
  arrive(next, item, r.hashed ? &r.hash : nullptr, out);
}

void WorkerGraph::send(NodeId next, WorkerId dst, Item&& item, Outbox& out) {
  // An output processed here is registered and acked within one delta, so its id would XOR away:
  // only the ones that leave through the outbox get one.
  const std::uint64_t id = ids_();
  acks_.add(item.meta.time.ts, id);
  out[dst].emplace_back(next, std::move(item), id);
}

WorkerGraph::Level& WorkerGraph::open_level(NodeId node) {
  if (depth_ == levels_.size()) levels_.emplace_back();
  Level& level = levels_[depth_++];
  level.node = node;
  level.outputs.clear();
  level.local.clear();
  level.next = 0;
  return level;
}

void WorkerGraph::dispatch(Level& level, Outbox& out) {
  const Node& node = graph_.node(level.node);
  for (std::size_t i = 0; i < level.outputs.size(); ++i) {
    Output& o = level.outputs[i];
    const NodeId next = node.outputs[o.port];
    const Placement::Route r = route_to(next, o.item.payload);
    if (r.worker == self_ && depth_first_) {
      level.local.push_back({static_cast<std::uint32_t>(i), r.hashed, r.hash});
    } else {
      send(next, r.worker, std::move(o.item), out);
    }
  }
}

void WorkerGraph::drain(Outbox& out) {
  while (depth_ > 0) {
    Level& level = levels_[depth_ - 1];
    if (level.next == level.local.size()) {
      clear_burst(level.outputs);  // what the level still holds (dropped or moved-from items) goes now
      clear_burst(level.local);
      --depth_;
      continue;
    }
    const Local l = level.local[level.next++];
    Output& o = level.outputs[l.index];
    arrive(graph_.node(level.node).outputs[o.port], o.item, l.hashed ? &l.hash : nullptr, out);
  }
}

void WorkerGraph::on_min_time(Timestamp min_ts, const ReleaseFn& release) {
  for (auto& g : groupings_)
    if (g) g->on_min_time(min_ts);
  for (NodeId id = 0; id < sinks_.size(); ++id)
    if (sinks_[id])
      sinks_[id]->release(min_ts, [&](const Item& item) {
        ++tally_[id].out;
        release(id, item);
      });
}

std::vector<std::pair<NodeId, const Item*>> WorkerGraph::committed_state(Timestamp end) const {
  std::vector<std::vector<const Item*>> parts(groupings_.size());
  std::size_t total = 0;
  for (NodeId id = 0; id < groupings_.size(); ++id) {
    if (!groupings_[id]) continue;
    parts[id] = groupings_[id]->committed_items(end);
    total += parts[id].size();
  }
  std::vector<std::pair<NodeId, const Item*>> state;
  state.reserve(total);
  for (NodeId id = 0; id < parts.size(); ++id)
    for (const Item* item : parts[id]) state.emplace_back(id, item);
  return state;
}

void WorkerGraph::begin_snapshot(Timestamp end) {
  for (auto& grouping : groupings_)
    if (grouping) grouping->begin_snapshot(end);
  snapshot_node_ = 0;
}

bool WorkerGraph::snapshot_step(std::size_t max_slots, std::vector<std::pair<NodeId, const Item*>>& out) {
  for (; snapshot_node_ < groupings_.size(); ++snapshot_node_) {
    GroupingState* grouping = groupings_[snapshot_node_].get();
    if (!grouping || !grouping->snapshot_under_way()) continue;
    snapshot_part_.clear();
    const bool done = grouping->snapshot_step(max_slots, snapshot_part_);
    for (const Item* item : snapshot_part_) out.emplace_back(snapshot_node_, item);
    if (!done) return false;
  }
  return true;
}

void WorkerGraph::restore_state(const std::vector<Envelope>& state, Timestamp end) {
  std::vector<std::vector<Item>> by_node(groupings_.size());
  for (const Envelope& e : state) {
    if (e.node >= groupings_.size() || !groupings_[e.node])
      throw ValueError("a snapshot holds state for node " + std::to_string(e.node) +
                       ", which is no grouping of this job");
    by_node[e.node].push_back(e.item);
  }
  for (NodeId id = 0; id < groupings_.size(); ++id)
    if (groupings_[id]) groupings_[id]->restore(by_node[id], end);
}

void WorkerGraph::add_state_counters(RunStats& stats) const {
  add_event_counters(stats);
  for (const auto& g : groupings_) {
    if (!g) continue;
    stats.grouping_keys += g->key_count();
    stats.grouping_entries += g->entry_count();
  }
}

void WorkerGraph::add_event_counters(RunStats& stats) const {
  for (const auto& g : groupings_) {
    if (!g) continue;
    stats.replays += g->stats().replays;
    stats.tombstones += g->stats().tombstones;
  }
  for (const auto& s : sinks_) {
    if (!s) continue;
    stats.reached_barrier += s->stats().arrived;
    stats.valid_at_barrier += s->stats().arrived - s->stats().cancelled;
    stats.items_released += s->stats().released;
    stats.peak_sink_buffer = std::max<std::uint64_t>(stats.peak_sink_buffer, s->stats().peak_buffered);
  }
}

std::size_t WorkerGraph::sink_buffered() const {
  std::size_t n = 0;
  for (const auto& s : sinks_)
    if (s) n += s->buffered();
  return n;
}

}  // namespace flamestream
