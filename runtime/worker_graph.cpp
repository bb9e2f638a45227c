#include "runtime/worker_graph.h"

#include <algorithm>

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
      sinks_(graph.nodes().size()),
      fronts_(graph.nodes().size()) {
  for (const Node& n : graph.nodes()) {
    if (auto* g = std::get_if<GroupingOp>(&n.op)) groupings_[n.id] = std::make_unique<GroupingState>(*g);
    if (n.is_sink() && placement.pinned_host[n.id] == self) sinks_[n.id] = std::make_unique<SinkBarrier>();
    if (n.is_front() && placement.pinned_host[n.id] == self) fronts_[n.id] = std::make_unique<Front>(n.id);
  }
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
  scratch_.clear();
  scratch_.push_back({0, std::move(item)});
  route(front, scratch_, out);
  drain_local(out);
  acks_.end_delta();
  acks_.report(front, fronts_[front]->promise(promise));
}

void WorkerGraph::report(NodeId front, Timestamp now) {
  acks_.report(front, fronts_[front]->promise(now));
}

void WorkerGraph::report_open_fronts(Timestamp now) {
  for (const auto& f : fronts_)
    if (f && !f->closed()) acks_.report(f->id(), f->promise(now));
}

void WorkerGraph::close_front(NodeId front) {
  fronts_[front]->close();
  acks_.report(front, kInfinity);
}

void WorkerGraph::process(std::span<const Envelope> batch, Outbox& out) {
  for (const Envelope& env : batch) {
    acks_.add(env.item.meta.time.ts, env.ack_id);
    run(env.node, env.item, out);
  }
  acks_.end_delta();
}

void WorkerGraph::run(NodeId node, Item item, Outbox& out) {
  check_invariant(pending_.empty(), "WorkerGraph::run re-entered");
  step(node, std::move(item), out);
  drain_local(out);
}

void WorkerGraph::drain_local(Outbox& out) {
  while (!pending_.empty()) {
    Envelope next = std::move(pending_.back());
    pending_.pop_back();
    step(next.node, std::move(next.item), out);
  }
}

void WorkerGraph::step(NodeId id, Item&& item, Outbox& out) {
  const Node& node = graph_.node(id);
  if (node.is_sink()) {
    check_invariant(sinks_[id] != nullptr, "an item reached a sink on a worker not hosting it");
    sinks_[id]->on_item(item);
    return;
  }
  scratch_.clear();
  if (groupings_[id]) {
    groupings_[id]->on_item(item, scratch_);
  } else {
    apply_stateless(node.op, node.outputs.size(), std::move(item), scratch_);
  }
  route(id, scratch_, out);
}

void WorkerGraph::route(NodeId from, std::vector<Output>& outputs, Outbox& out) {
  const Node& node = graph_.node(from);
  const std::size_t local_begin = pending_.size();
  for (Output& o : outputs) {
    const NodeId next = node.outputs[o.port];
    const WorkerId dst = placement_.route(graph_, self_, next, o.item.payload);
    if (dst == self_ && depth_first_) {
      // Registered and acked within this one delta, an id would XOR away: it needs none.
      pending_.push_back(Envelope{next, std::move(o.item), 0});
      continue;
    }
    const std::uint64_t id = ids_();
    acks_.add(o.item.meta.time.ts, id);
    out[dst].push_back(Envelope{next, std::move(o.item), id});
  }
  // The stack pops from the back: reversed, the first output is processed first, depth first.
  std::reverse(pending_.begin() + static_cast<std::ptrdiff_t>(local_begin), pending_.end());
}

void WorkerGraph::on_min_time(Timestamp min_ts, const ReleaseFn& release, Timestamp trim_below) {
  for (auto& g : groupings_)
    if (g) g->on_min_time(trim_below);
  for (NodeId id = 0; id < sinks_.size(); ++id)
    if (sinks_[id]) sinks_[id]->release(min_ts, [&](const Item& item) { release(id, item); });
}

std::vector<Envelope> WorkerGraph::committed_state(Timestamp end) const {
  std::vector<Envelope> state;
  for (NodeId id = 0; id < groupings_.size(); ++id) {
    if (!groupings_[id]) continue;
    for (Item& item : groupings_[id]->committed(end)) state.push_back(Envelope{id, std::move(item), 0});
  }
  return state;
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
  for (const auto& g : groupings_) {
    if (!g) continue;
    stats.replays += g->stats().replays;
    stats.tombstones += g->stats().tombstones;
    stats.grouping_keys += g->key_count();
    stats.grouping_entries += g->entry_count();
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
