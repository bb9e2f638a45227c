// WorkerLoop's metrics publisher: copies the loop's own counters (its graph's node tallies, the
// groupings' and sinks' stats, its queues) into the process's WorkerMetrics. Runs on the loop's
// thread a few times a second; nothing here runs per item.
#include "runtime/engine/worker_loop.h"

#include "model/operation.h"

namespace flamestream {

void WorkerLoop::publish_metrics() {
  metrics::WorkerSample s;
  const Counters c = counters();
  s.lines_in = c.inputs;
  s.pages_in = c.pages_in;
  s.bytes_sent = bytes_sent() - bytes_at_start_;
  s.dropped_messages = c.dropped_messages;
  s.acker_deltas_applied = c.acker_deltas;
  s.acker_deltas_sent = c.acker_deltas_sent;
  s.commits = c.commits;
  s.commit_seconds = static_cast<double>(c.commit_ns) / 1e9;
  s.last_commit_seconds = static_cast<double>(c.last_commit_ns) / 1e9;
  s.fsyncs = front_.syncs();
  s.fsync_seconds = static_cast<double>(front_.sync_ns()) / 1e9;
  RunStats stats;
  graph_.add_event_counters(stats);
  s.replays = stats.replays;
  s.tombstones = stats.tombstones;
  s.barrier_arrived = stats.reached_barrier;
  s.barrier_cancelled = stats.reached_barrier - stats.valid_at_barrier;
  s.barrier_released = stats.items_released;
  s.peak_sink_buffered = stats.peak_sink_buffer;
  // Fronts stamp wall-clock nanoseconds here (an idle front's heartbeat is the clock itself): the
  // newest front time is now.
  const Timestamp now = static_cast<Timestamp>(wall_ns());
  s.min_time_lag_seconds = (min_ts_ == 0 || min_ts_ == kInfinity || min_ts_ >= now)
                               ? 0.0
                               : static_cast<double>(now - min_ts_) / 1e9;
  const Timestamp durable = durable_.load();
  s.last_committed_end_seconds = durable == kInfinity ? 0.0 : static_cast<double>(durable) / 1e9;
  s.sink_buffered = graph_.sink_buffered();
  for (const auto& page : outbox_) s.outbox_items += page.size();
  s.local_messages = local_.size();
  s.held_acks = held_acks_.size();
  s.held_front_items = graph_.held();
  s.later_tick_bytes = later_tick_bytes_;
  const auto& tallies = graph_.node_tallies();
  for (const Node& n : job_.graph.nodes()) {
    const bool here = !(n.is_front() || n.is_sink()) || placement_.hosts_instance(n.id, self_);
    if (!here) continue;
    s.nodes.push_back({n.name, operation_name(n.op), tallies[n.id].in, tallies[n.id].out});
  }
  hooks_.metrics->publish(std::move(s));
}

}  // namespace flamestream
