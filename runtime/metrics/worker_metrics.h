// The metrics one worker process exports: what its event loop last published, cumulative over
// every run (tick deployment, epoch) the process has had.
//
// The event loop keeps its counters as plain integers of its own (WorkerGraph's node tallies, the
// groupings' and sinks' stats) and copies them here a few times a second (publish(), one lock);
// a scrape (exposition()) takes the same lock from another thread. Nothing on the item path locks,
// looks up a name or touches a shared cache line. Invariant: a counter never goes back — a new run
// starts its own counting from zero, and begin_run() folds the previous run's last published
// values into a base that every later value is added to.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace flamestream::metrics {

struct NodeSample {
  std::string name;  // the node's name in the graph (the `node` label)
  std::string op;    // its operation (the `op` label)
  std::uint64_t in = 0, out = 0;
};

// One run's values, as the event loop publishes them. Counters count from the run's start.
struct WorkerSample {
  std::uint64_t tick = 0, epoch = 0;
  // counters
  std::uint64_t lines_in = 0, pages_in = 0, dropped_messages = 0, bytes_sent = 0;
  std::uint64_t replays = 0, tombstones = 0;
  std::uint64_t barrier_arrived = 0, barrier_cancelled = 0, barrier_released = 0;
  std::uint64_t acker_deltas_sent = 0, acker_deltas_applied = 0;
  std::uint64_t commits = 0, fsyncs = 0;
  double commit_seconds = 0, fsync_seconds = 0;
  // gauges
  double min_time_lag_seconds = 0;
  double last_commit_seconds = 0;
  double last_committed_end_seconds = 0;  // front time (wall clock, Unix seconds)
  std::uint64_t sink_buffered = 0, peak_sink_buffered = 0, outbox_items = 0, local_messages = 0, held_acks = 0;
  std::uint64_t held_front_items = 0, later_tick_bytes = 0, grouping_entries = 0;
  std::vector<NodeSample> nodes;
};

class WorkerMetrics {
 public:
  explicit WorkerMetrics(std::string worker) : worker_(std::move(worker)) {}

  // A new run of the event loop starts (its counters from zero); epoch > 0 is a recovery.
  void begin_run(std::uint64_t tick, std::uint64_t epoch);
  // The event loop's current values (its thread); the tick and epoch stay begin_run's.
  void publish(WorkerSample sample);
  // Everything, in the Prometheus text format (any thread).
  std::string exposition() const;
  // The cumulative values now (any thread): counters summed over runs, gauges of the last run.
  WorkerSample current() const;

 private:
  WorkerSample cumulative_locked() const;

  const std::string worker_;
  mutable std::mutex mutex_;
  WorkerSample base_;  // the counters of the runs before this one (nodes by name in base_nodes_)
  std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> base_nodes_;
  WorkerSample last_;
  std::uint64_t recoveries_ = 0;
};

}  // namespace flamestream::metrics
