// One worker's instance of the whole logical graph over its hash range (paper §3.2).
//
// It owns the per-worker state (grouping buckets, sink barriers, fronts hosted here) and the local
// acker aggregation; engines own queues, clocks and transport. Processing a batch is one atomic
// acker delta: every consumed envelope is acked and every output for another worker registered
// under a fresh random id before it is handed to the engine. Outputs that stay on this worker are
// processed at once, depth first — the reference executor's order — so a cycle whose keys stay on
// one worker (word count's) completes for one item before the next item enters, and the grouping
// sees that item's echo in order instead of replaying. The simulator and the real engines share
// this class, so they share every line of item handling.
#pragma once

#include <functional>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "acker/delta_aggregator.h"
#include "front/front.h"
#include "model/grouping.h"
#include "runtime/placement.h"
#include "runtime/run_stats.h"
#include "sink/sink_barrier.h"

namespace flamestream {

// A job's own function (map, flat map, filter, a grouping's key) threw: names the node and its
// operation. The item it threw on is never acked, so nothing at or after its time is released.
class JobFunctionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An item on its way into `node`, with the acker id of this hop.
struct Envelope {
  NodeId node = 0;
  Item item;
  std::uint64_t ack_id = 0;
};

// Outgoing envelopes per destination worker.
using Outbox = std::vector<std::vector<Envelope>>;
using ReleaseFn = std::function<void(NodeId sink, const Item& item)>;

class WorkerGraph {
 public:
  struct Config {
    Timestamp slot_width = 1;
    std::size_t flush_deltas = 64;
    std::uint64_t seed = 1;  // of the ack-id generator
    // Process outputs for this same worker at once, depth first (the default); off, they go
    // through the engine's queue to this worker like any other page (research: more disorder).
    bool depth_first_local = true;
    // With several front instances: an item that comes straight from a front (through stateless
    // operations only) waits at its grouping until every front's worker said it sent everything
    // below it (WorkerLoop::on_front_progress), and goes in in meta order (release_held). Items of
    // one key then reach the grouping in time order even from several fronts, instead of a page
    // late: a late item replays the rest of its bucket (with word count's cycle, every later
    // count). Only a performance matter: an item that comes after the frontier passed it goes in
    // at once, and replay keeps the output right.
    bool hold_front_items = false;
  };

  WorkerGraph(const LogicalGraph& graph, const Placement& placement, WorkerId self, Config config);

  WorkerId self() const { return self_; }
  Outbox make_outbox() const { return Outbox(placement_.mapping.workers()); }

  // Stamps `payload` at front `front` (hosted here) with clock reading `now` and routes it. (Bound
  // to a client, a front takes `now` as the client's time; a batch's lines get now, now + 1, ...)
  void ingest(NodeId front, Value payload, Timestamp now, Outbox& out);
  // Ingests `payloads` in order, as ingest() one by one would, appending each one's timestamp to
  // `stamps`, as one acker delta. Items reaching a grouping wait until every payload has run its
  // stateless prefix (which has no state to observe the change), then enter in order with their
  // buckets fetched ahead, as a page's do; each one's descendants are processed depth first.
  // Envelopes for other workers may leave in another order than one by one (the items before a
  // grouping ahead of earlier lines' windows); each channel stays FIFO, and a tombstone still
  // follows its item, both coming from one grouping in order.
  // `stride` > 0: payload k is stamped at now + k · stride (a bound front's client gave the times).
  void ingest_batch(NodeId front, std::vector<Value>& payloads, Timestamp now, Outbox& out,
                    std::vector<Timestamp>& stamps, Timestamp stride = 0);
  // Replay after a recovery: re-ingests a logged input with its logged timestamp. Until
  // end_replay(), the front promises nothing beyond the next logged timestamp.
  void hold_for_replay(NodeId front, Timestamp first) { fronts_[front]->hold_for_replay(first); }
  void ingest_logged(NodeId front, Value payload, Timestamp ts, Outbox& out);
  void end_replay(NodeId front) { fronts_[front]->end_replay(); }
  // Refreshes the front's promise in the pending delta (a heartbeat when it has no input).
  void report(NodeId front, Timestamp now);
  // Binds the front here to a client's times (Front::bind); returns the lowest time it may give.
  Timestamp bind_front(NodeId front);
  bool front_bound(NodeId front) const { return fronts_[front]->bound(); }
  // A bound front's client will give no timestamp below `ts` again: the promise goes to the acker.
  void raise_promise(NodeId front, Timestamp ts);
  // The front will take no more input: its promise becomes infinity.
  void close_front(NodeId front);
  // Heartbeats: refreshes the promise of every open front hosted here.
  void report_open_fronts(Timestamp now);
  bool hosts_front(NodeId front) const { return fronts_[front] != nullptr; }
  // The lowest time a front hosted here could still stamp at clock reading `now` (infinity: none).
  Timestamp front_progress(Timestamp now) const;
  bool front_closed(NodeId front) const { return fronts_[front]->closed(); }
  Timestamp front_last_ts(NodeId front) const { return fronts_[front]->last_ts(); }
  Timestamp front_next_ts(NodeId front, Timestamp now) const { return fronts_[front]->next_ts(now); }

  // Partitioned fronts (Placement::partitions, Kafka): one bound instance per partition read
  // here, addressed by slot (0 .. partition_fronts()), in node then partition order.
  struct PartitionFront {
    NodeId node;
    std::uint32_t partition;
    std::unique_ptr<Front> front;
  };
  std::size_t partition_fronts() const { return partition_fronts_.size(); }
  bool front_partitioned(NodeId front) const { return placement_.partitions_of(front) > 0; }
  const PartitionFront& partition_front(std::size_t slot) const { return partition_fronts_[slot]; }
  // As ingest_batch, payload k proposing time times[k]: it gets the first time at or above that,
  // at least `spacing` above the partition's last one, and at or above its promise (Front::stamp).
  void ingest_partition(std::size_t slot, std::vector<Value>& payloads, const std::vector<Timestamp>& times,
                        Timestamp spacing, Outbox& out, std::vector<Timestamp>& stamps);
  // No time below `ts` will be stamped at this partition (a recovery's floor, an idle promise).
  void raise_partition_promise(std::size_t slot, Timestamp ts);
  // The partition ended (its promise becomes infinity).
  void close_partition(std::size_t slot);

  // Runs one batch through the graph as one acker delta; outputs go to `out`, sink arrivals are
  // buffered in their barrier until on_min_time releases them.
  void process(std::span<const Envelope> batch, Outbox& out);
  // The same, consuming the batch's items (left moved-from): an engine that decoded the page
  // hands the items on instead of having them copied.
  void process(std::vector<Envelope>& batch, Outbox& out);

  // Every item from a front below `frontier` has arrived: the items held below it go into their
  // groupings, in meta order, as one acker delta (see Config::hold_front_items).
  void release_held(Timestamp frontier, Outbox& out);
  std::size_t held() const { return held_.size(); }

  // The minimal time moved: trims the groupings and releases from the sinks hosted here.
  void on_min_time(Timestamp min_ts, const ReleaseFn& release);

  DeltaAggregator& acks() { return acks_; }

  // The grouping state that later windows need once everything before `end` is processed
  // (GroupingState::committed_items): each item with the grouping it goes back into, valid until
  // the state next changes; and its inverse, on a fresh graph.
  std::vector<std::pair<NodeId, const Item*>> committed_state(Timestamp end) const;
  void restore_state(const std::vector<Envelope>& state, Timestamp end);
  // The same state taken a part at a time while processing goes on (GroupingState::begin_snapshot):
  // begin when the minimal time passes `end`, before on_min_time; each step appends the items of
  // up to `max_slots` more buckets of a grouping, valid until the state next changes; true once all
  // are done.
  void begin_snapshot(Timestamp end);
  bool snapshot_step(std::size_t max_slots, std::vector<std::pair<NodeId, const Item*>>& out);

  // Adds this worker's grouping and sink counters (replays, tombstones, barrier arrivals,
  // releases, peak buffer, held keys and entries) to `stats`.
  void add_state_counters(RunStats& stats) const;
  // The same without the held keys and entries (which take a walk over every bucket): cheap.
  void add_event_counters(RunStats& stats) const;
  std::size_t sink_buffered() const;

  // Items in and out of each node on this worker, by node id (a front's in: its lines; a sink's
  // out is its barrier's releases, in its stats): plain counts, read by the metrics publisher on
  // the same thread.
  struct NodeTally {
    std::uint64_t in = 0, out = 0;
  };
  const std::vector<NodeTally>& node_tallies() const { return tally_; }

 private:
  // The local outputs of one operation step that fans out (flat map, broadcast, grouping), in
  // order; the ones for other workers are already in the outbox.
  struct Local {
    std::uint32_t index;  // into Level::outputs
    bool hashed;          // routing computed the item's hash for its next node (Placement::Route)
    std::uint64_t hash;
  };
  struct Level {
    NodeId node = 0;              // the step's node
    std::vector<Output> outputs;  // as the operation wrote them
    std::vector<Local> local;     // the outputs to process here, in order
    std::size_t next = 0;         // into `local`
  };

  // What arrive_steps does with an item entering a node, and where routing sends an item
  // entering it, worked out once from the graph and the placement (neither changes under a
  // WorkerGraph): a variant check per operation kind and the routing switch at every hop cost
  // word count more than its user functions.
  enum class StepKind : std::uint8_t { sink, grouping, one_to_one, fan_out };
  struct NodePlan {
    StepKind kind;
    bool fixed_worker;  // every item entering the node goes to `worker`, whatever its payload
    WorkerId worker;
  };
  static NodePlan plan_of(const Node& node, const Placement& placement, WorkerId self, bool grouping);
  // Placement::route_hashed for an item entering `next` from here.
  Placement::Route route_to(NodeId next, const Value& payload) const {
    const NodePlan& p = plan_[next];
    if (p.fixed_worker) return {p.worker};
    return placement_.route_hashed(graph_, self_, next, payload);
  }

  // For each item of a page or of a parked batch: the grouping it enters and its key hash,
  // computed once for the lookahead and for on_item (null grouping: it enters something else, or
  // its key function rejects it and on_item throws when it is reached).
  struct Ahead {
    GroupingState* grouping;
    std::uint64_t key_hash;
  };
  // Fills ahead_ for a page; ingest_batch fills it as it parks items (park()), reusing the hash
  // routing computed.
  void look_ahead(const std::vector<Envelope>& batch);
  static Ahead ahead_of(GroupingState& grouping, const Value& payload);
  void park(NodeId grouping, Item& item, const std::uint64_t* key_hash);
  // Whether `item`, entering a grouping, waits for the fronts' progress (Config::hold_front_items).
  bool holds(const Item& item) const;
  void hold(NodeId grouping, Item& item);
  // `indices` (into held_) in the meta order of their envelopes, into `out`.
  void order_by_meta(const std::vector<std::uint32_t>& indices, std::vector<std::uint32_t>& out);
  // Runs each envelope of `batch` and its descendants, fetching grouping buckets ahead (ahead_
  // holds one entry per envelope); registers acks for them when they came from elsewhere (`acked`).
  void run_with_lookahead(std::vector<Envelope>& batch, bool acked, Outbox& out);
  // Before item i of the page: runs the grouping's prefetch stages for the next few items.
  void prefetch_ahead(std::size_t i);

  void ingest_stamped(NodeId front, Item item, Timestamp promise, Outbox& out);
  // ingest_batch's body for front instance `f` of node `node`; payload k proposes time_of(k).
  template <class TimeOf>
  void ingest_into(Front& f, NodeId node, std::vector<Value>& payloads, TimeOf time_of, Outbox& out,
                   std::vector<Timestamp>& stamps);
  // `item`, produced by `from` on its port `port`, goes on: processed here or put in the outbox.
  void forward(NodeId from, std::size_t port, Item& item, Outbox& out);
  // Runs `item` from `node` on this worker, consuming it; see worker_graph.cpp. `key_hash`, when
  // routing computed it, is the item's LogicalGraph::item_hash for `node`.
  void arrive(NodeId node, Item& item, const std::uint64_t* key_hash, Outbox& out);
  // arrive() without the translation of a job function's exception; `node` follows the item.
  void arrive_steps(NodeId& node, Item& item, const std::uint64_t* key_hash, Outbox& out);
  // Processes the outputs of every open level, depth first; returns with no level open.
  void drain(Outbox& out);
  Level& open_level(NodeId node);
  void dispatch(Level& level, Outbox& out);
  void send(NodeId next, WorkerId dst, Item&& item, Outbox& out);

  const LogicalGraph& graph_;
  const Placement& placement_;
  WorkerId self_;
  DeltaAggregator acks_;
  std::mt19937_64 ids_;
  bool depth_first_;
  // Open levels, a stack: levels_[0, depth_). Kept with their buffers from one item to the next.
  std::vector<Level> levels_;
  std::size_t depth_ = 0;
  // What a grouping emits for the item it takes, before it is known whether a level is needed
  // (several outputs) or the one window goes on in place (arrive_steps). Empty between steps.
  std::vector<Output> grouping_outputs_;
  std::vector<std::unique_ptr<GroupingState>> groupings_;  // by node id
  std::vector<NodePlan> plan_;                             // by node id
  std::vector<NodeTally> tally_;                           // by node id
  NodeId snapshot_node_ = 0;  // the grouping a snapshot under way reads now
  std::vector<const Item*> snapshot_part_;
  std::vector<std::unique_ptr<SinkBarrier>> sinks_;        // by node id, sinks hosted here
  std::vector<std::unique_ptr<Front>> fronts_;             // by node id, fronts hosted here
  std::vector<PartitionFront> partition_fronts_;           // partitioned fronts' instances here
  std::vector<Ahead> ahead_;  // by item of the page (or parked batch) in process
  // ingest_batch: while set, an item reaching a grouping waits in parked_ instead.
  bool park_at_groupings_ = false;
  std::vector<Envelope> parked_;
  // Items held at groupings until every front worker's progress passes them, each registered
  // with the acker under its ack id until it goes in.
  bool hold_front_items_;
  bool releasing_ = false;
  Timestamp frontier_ = 0;
  std::vector<Envelope> held_;
  std::vector<Envelope> releasing_batch_;
  std::vector<std::uint32_t> held_below_;     // release_held: indices into held_, ascending
  std::vector<std::uint32_t> release_order_;  // the same in meta order
  std::vector<std::pair<FrontId, std::vector<std::uint32_t>>> front_runs_;  // order_by_meta's
};

}  // namespace flamestream
