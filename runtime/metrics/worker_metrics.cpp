#include "runtime/metrics/worker_metrics.h"

#include <iterator>

#include "runtime/metrics/exposition.h"
#include "runtime/metrics/metric_names.h"

namespace flamestream::metrics {

namespace {

// A per-worker figure: its metric name, its HELP text, and where a sample keeps it.
struct SampleField {
  const char* name;
  const char* help;
  std::uint64_t WorkerSample::*field;
};

constexpr SampleField kCounters[] = {
    {kLinesIn, "Input lines the fronts on this worker admitted (replays after a recovery included).", &WorkerSample::lines_in},
    {kPagesIn, "Item pages this worker received and processed.", &WorkerSample::pages_in},
    {kBytesSent, "Encoded bytes this worker sent to other workers.", &WorkerSample::bytes_sent},
    {kDroppedMessages, "Messages dropped because they failed validation.", &WorkerSample::dropped_messages},
    {kReplays, "Windows re-emitted by the groupings here (out-of-order arrivals).", &WorkerSample::replays},
    {kTombstones, "Windows cancelled by the groupings here.", &WorkerSample::tombstones},
    {kBarrierArrived, "Items (not tombstones) that reached a sink barrier here.", &WorkerSample::barrier_arrived},
    {kBarrierCancelled, "Items held at a sink barrier here that a tombstone cancelled.", &WorkerSample::barrier_cancelled},
    {kBarrierReleased, "Items the sink barriers here released below the minimal time.", &WorkerSample::barrier_released},
    {kAckerDeltasSent, "Aggregated acker deltas this worker sent.", &WorkerSample::acker_deltas_sent},
    {kAckerDeltasApplied, "Acker deltas the acker applied (on the acker's worker only).", &WorkerSample::acker_deltas_applied},
    {kCommits, "Tick commits this worker took part in (snapshot written and acknowledged).", &WorkerSample::commits},
    {kFsyncs, "fdatasync rounds of the ingestion logs here.", &WorkerSample::fsyncs},
};

constexpr SampleField kGauges[] = {
    {kSinkBuffered, "Items the sink barriers here hold, waiting for the minimal time.", &WorkerSample::sink_buffered},
    {kSinkBufferedPeak, "Most items one sink barrier here held at once, this run.", &WorkerSample::peak_sink_buffered},
    {kOutboxItems, "Queue: items waiting in outgoing pages.", &WorkerSample::outbox_items},
    {kLocalMessages, "Queue: messages this worker sent itself, not yet handled.", &WorkerSample::local_messages},
    {kHeldAcks, "Queue: acker deltas waiting for the ingestion log's sync.", &WorkerSample::held_acks},
    {kHeldFrontItems, "Queue: items from fronts held at groupings until every front's progress passes them.", &WorkerSample::held_front_items},
    {kLaterTickBytes, "Queue: bytes of messages held for a tick not deployed here yet.", &WorkerSample::later_tick_bytes},
    {kGroupingEntries, "Items the groupings here hold in their buckets.", &WorkerSample::grouping_entries},
    {kTick, "The tick this worker runs now (its id).", &WorkerSample::tick},
    {kEpoch, "The epoch of that tick (bumped by each recovery).", &WorkerSample::epoch},
};

}  // namespace

void WorkerMetrics::begin_run(std::uint64_t tick, std::uint64_t epoch) {
  std::lock_guard lock(mutex_);
  base_ = cumulative_locked();
  for (const NodeSample& n : last_.nodes) {
    auto& b = base_nodes_[{n.name, n.op}];
    b.first += n.in;
    b.second += n.out;
  }
  last_ = {};
  last_.tick = tick;
  last_.epoch = epoch;
  if (epoch > 0) ++recoveries_;
}

void WorkerMetrics::publish(WorkerSample sample) {
  std::lock_guard lock(mutex_);
  const std::uint64_t tick = last_.tick, epoch = last_.epoch;  // the run's, from begin_run
  last_ = std::move(sample);
  last_.tick = tick;
  last_.epoch = epoch;
}

WorkerSample WorkerMetrics::cumulative_locked() const {
  WorkerSample c = last_;
  for (const SampleField& d : kCounters) c.*d.field += base_.*d.field;
  c.commit_seconds += base_.commit_seconds;
  c.fsync_seconds += base_.fsync_seconds;
  // Nodes: the base of a name not in this run's graph still counts.
  auto nodes = base_nodes_;
  for (const NodeSample& n : last_.nodes) {
    auto& b = nodes[{n.name, n.op}];
    b.first += n.in;
    b.second += n.out;
  }
  c.nodes.clear();
  for (const auto& [key, v] : nodes) c.nodes.push_back({key.first, key.second, v.first, v.second});
  return c;
}

WorkerSample WorkerMetrics::current() const {
  std::lock_guard lock(mutex_);
  return cumulative_locked();
}

std::string WorkerMetrics::exposition() const {
  std::uint64_t recoveries = 0;
  WorkerSample s;
  {
    std::lock_guard lock(mutex_);
    s = cumulative_locked();
    recoveries = recoveries_;
  }
  const Labels worker{{"worker", worker_}};
  Exposition e;
  e.family(kItemsIn, "counter", "Items that entered an operation on this worker (for a front: lines ingested).");
  for (const NodeSample& n : s.nodes) e.sample({{"worker", worker_}, {"node", n.name}, {"op", n.op}}, n.in);
  e.family(kItemsOut, "counter", "Items an operation on this worker emitted (for a sink: released).");
  for (const NodeSample& n : s.nodes) e.sample({{"worker", worker_}, {"node", n.name}, {"op", n.op}}, n.out);
  for (const SampleField& d : kCounters) {
    e.family(d.name, "counter", d.help);
    e.sample(worker, s.*d.field);
  }
  e.family(kRecoveries, "counter", "Recoveries this worker process took part in (epochs restarted from a commit).");
  e.sample(worker, recoveries);
  e.family(kCommitSeconds, "counter", "Seconds spent on commits here, from the Commit to the acknowledgment sent.");
  e.sample(worker, s.commit_seconds);
  e.family(kFsyncSeconds, "counter", "Seconds spent in fdatasync of the ingestion logs here.");
  e.sample(worker, s.fsync_seconds);
  for (const SampleField& d : kGauges) {
    e.family(d.name, "gauge", d.help);
    e.sample(worker, s.*d.field);
  }
  e.family(kMinTimeLag, "gauge",
           "Seconds the minimal time here trails the newest front time (the fronts' clock: the wall clock); 0 when everything is released.");
  e.sample(worker, s.min_time_lag_seconds);
  e.family(kLastCommittedEnd, "gauge",
           "End of the last commit recorded durable, in front time (Unix seconds); 0: none yet.");
  e.sample(worker, s.last_committed_end_seconds);
  e.family(kLastCommitSeconds, "gauge", "Duration of the last commit here, from the Commit to the acknowledgment sent.");
  e.sample(worker, s.last_commit_seconds);
  return e.text();
}

}  // namespace flamestream::metrics
