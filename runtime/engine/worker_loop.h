// The event loop of one real worker: receives pages, acker deltas, minimal-time updates and client
// requests, runs them through its WorkerGraph, and sends what comes out.
//
// One instance per worker, one thread each, no shared state: everything between workers is a
// message (Seastar's shard-per-core discipline). Outgoing envelopes are batched per destination
// into pages; acker deltas are aggregated and flushed on a timer. The front role — admission
// under back-pressure, binding to clients' times, the ingestion log and its replay — is
// FrontHost's (front_host.h); the acker role — the ack table and the commit protocol's driving —
// AckerHost's (acker_host.h), on the acker's worker. A message that fails validation is counted, logged once, and
// dropped: garbage from the network never stops a worker.
//
// With a WorkerStorage the loop runs exactly-once (DESIGN §3): it starts from the committed state,
// replays its fronts' ingestion logs with their logged timestamps before taking new input, logs
// every accepted line before acknowledging it, takes part in the commit protocol, and — on the
// acker's host — drives it (CommitProtocol). Recording a commit is the coordinator's job: the
// commit_ready hook hands it over, note_durable() reports it done (from any thread).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>

#include "runtime/engine/acker_host.h"
#include "graphs/catalog.h"
#include "runtime/engine/commit_protocol.h"
#include "runtime/engine/engine_config.h"
#include "runtime/engine/front_host.h"
#include "runtime/engine/partition_front_host.h"
#include "runtime/engine/log_syncer.h"
#include "runtime/engine/snapshot_writer.h"
#include "runtime/engine/tick_snapshot.h"
#include "runtime/engine/worker_storage.h"
#include "runtime/engine/transport.h"
#include "runtime/engine/wall_clock.h"
#include "runtime/metrics/worker_metrics.h"
#include "runtime/wire/codec.h"
#include "runtime/worker_graph.h"

namespace flamestream {

// Exactly-once: where a worker's files are, and the last durable commit it starts from.
struct Durability {
  WorkerStorage* storage = nullptr;  // null: exactly-once off
  Timestamp committed = 0;
  // Set when this tick continues another under a new mapping: the committed state of the keys
  // this worker owns now, gathered from the workers that owned them (instead of own snapshots).
  const std::vector<Envelope>* handed_over = nullptr;
  // Where the partitioned fronts read here restart (the last commit's determinants).
  const PartitionPositions* positions = nullptr;
};

class WorkerLoop {
 public:
  struct Hooks {
    ReleaseFn release;                           // each item a sink here releases, in order
    std::function<void()> on_all_released;       // the minimal time reached infinity here
    std::function<wire::TailReply(const wire::TailRequest&)> tail;  // serves tail clients
    std::function<void(Timestamp)> on_min_time;  // every advance of the minimal time here
    std::function<void(const ReadyCommit&)> commit_ready;  // acker host: record it, then note_durable
    std::function<wire::StateReply(const wire::StateRequest&)> serve_state;  // rescaling peers
    // A message of a peer of this run could not be decoded: what it carried is lost, so the run
    // cannot finish right. Told why; recovering (a new epoch from the last commit) is the caller's.
    std::function<void(const std::string& why)> on_peer_message_lost;
    // Where the loop publishes its metrics, a few times a second and when it stops (none: it
    // publishes nothing). Outlives the loop.
    metrics::WorkerMetrics* metrics = nullptr;
    // The partitioned (Kafka) fronts of the job and how to open their sources.
    std::vector<PartitionInput> partition_inputs;
  };

  struct Counters {
    std::uint64_t inputs = 0;            // lines admitted by fronts here
    std::uint64_t pages_in = 0;
    std::uint64_t dropped_messages = 0;  // failed validation
    std::uint64_t acker_deltas = 0;      // applied here, when this worker hosts the acker
    std::uint64_t acker_deltas_sent = 0;
    std::uint64_t commits = 0;           // commits acknowledged (exactly-once)
    std::uint64_t commit_ns = 0;         // their time from the Commit to the acknowledgment
    std::uint64_t last_commit_ns = 0;
  };

  // Restoring the committed state may throw SnapshotError (a missing or damaged snapshot).
  WorkerLoop(const Job& job, const Placement& placement, WorkerId self, Transport& transport,
             const EngineConfig& config, Hooks hooks, Durability durability = {});

  // Runs until a Stop message arrives. Messages that arrived for a later tick (a peer that deployed
  // it first) are returned, unhandled, for the next deployment; `backlog` is handled first.
  std::vector<Transport::Incoming> run(std::vector<Transport::Incoming> backlog = {});

  // The coordinator recorded the commit ending at `end`. Thread-safe.
  void note_durable(Timestamp end) { durable_.store(end); }

  Counters counters() const {
    Counters c = counters_;
    c.inputs = front_.inputs() + partitions_.inputs();
    c.acker_deltas = acker_ ? acker_->deltas() : 0;
    return c;
  }
  std::uint64_t bytes_sent() const { return transport_.bytes_sent(); }
  const WorkerGraph& graph() const { return graph_; }

 private:
  using Clock = std::chrono::steady_clock;

  void handle_bytes(Transport::Incoming& in);
  void keep_for_later_tick(Transport::Incoming& in);
  void handle(const std::string& identity, wire::Message& message);
  void on_items(std::vector<Envelope>& envelopes);
  void after_processing();
  void on_ack_delta(const AckDelta& delta);
  void on_min_time(Timestamp min_ts);
  // Worker `from`'s fronts stamp nothing below `ts` any more, and every item they made below it
  // came before this: the groupings here take their held items below every such worker's progress.
  void on_front_progress(WorkerId from, Timestamp ts);
  void announce_front_progress();
  void on_commit(WorkerId from, const wire::Commit& commit);
  void answer_commit();
  void on_commit_ack(WorkerId from, wire::CommitAck& ack);
  void release_durable();
  bool valid_batch(const std::vector<Envelope>& envelopes) const;
  void drop(const std::string& why);

  void send(WorkerId dst, wire::Body body);
  void broadcast(const wire::Body& body);
  void flush_pages();
  void flush_acks();
  void on_timers();
  // Encodes up to `max_slots` more buckets of the tick snapshot; the commit waiting for it goes on
  // once it is ready.
  void take_tick_snapshot(std::size_t max_slots);
  void commit_tick(const wire::Commit& commit);
  std::chrono::microseconds until_next_timer() const;
  // Copies the counters and gauges to hooks_.metrics (worker_loop_metrics.cpp).
  void publish_metrics();

  // Declared first: the graph's config reads it. With several front instances the groupings hold
  // input straight from fronts until every front's worker has announced progress past it.
  bool several_fronts_;
  const Job& job_;
  const Placement& placement_;
  WorkerId self_;
  Transport& transport_;
  EngineConfig config_;
  Hooks hooks_;
  WorkerStorage* storage_;
  WorkerGraph graph_;
  std::optional<AckerHost> acker_;  // on the acker's host only
  std::atomic<Timestamp> durable_{0};
  // Exactly-once: acker deltas cut after a log write wait until it is synced (FrontHost::synced).
  std::deque<std::pair<std::uint64_t, AckDelta>> held_acks_;
  // Exactly-once: commits made durable off the loop; the answer waits for its snapshot.
  std::optional<SnapshotWriter> writer_;
  std::optional<wire::CommitAck> commit_ack_;
  // The state the groupings commit at the last tick end the minimal time passed, taken a part a
  // round from then on (see on_min_time); a Commit for that end that comes before it is ready waits.
  TickSnapshot tick_snapshot_;
  std::optional<wire::Commit> waiting_commit_;
  Outbox outbox_;
  std::optional<Clock::time_point> pages_since_;  // when the oldest unsent envelope was queued
  Clock::time_point next_ack_flush_;
  std::deque<wire::Message> local_;  // messages to this worker itself, FIFO like any channel
  // The front role: the input of the front instances hosted here (after graph_ and outbox_).
  FrontHost front_;
  PartitionFrontHost partitions_;  // the partitioned (Kafka) front instances hosted here
  Timestamp min_ts_ = 0;
  Timestamp progress_sent_ = 0;           // several fronts: the last progress this worker announced
  std::vector<Timestamp> front_progress_;  // several fronts: by worker, its last announced progress
  std::vector<bool> front_host_;           // by worker: it hosts a front instance
  bool stopped_ = false;
  bool logged_drop_ = false;
  std::vector<Transport::Incoming> later_tick_;  // messages for the next deployment, in order
  std::size_t later_tick_bytes_ = 0;
  Counters counters_;
  Clock::time_point next_publish_;
  Clock::time_point commit_started_;  // when the Commit under way came
  std::uint64_t bytes_at_start_ = 0;  // the transport's count when this run began (it outlives runs)
};

}  // namespace flamestream
