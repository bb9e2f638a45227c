// The deterministic simulator: a single-threaded discrete-event engine running the full protocol.
//
// K simulated workers each host the whole graph over a hash range (WorkerGraph, the same code the
// real engines run). Every message — item batches, acker deltas with front reports, minimal-time
// updates — crosses a channel with a base latency plus a seeded random jitter; a channel never
// reorders its own messages (FIFO per sender and receiver), jitter only reorders across channels.
// Same seed, same run, so any race it finds can be replayed. It also checks the barrier's safety at
// every release, with the global knowledge no real engine has, and fails loudly.
#pragma once

#include <functional>
#include <optional>

#include "model/graph.h"
#include "runtime/run_stats.h"
#include "runtime/worker_graph.h"

namespace flamestream {

struct SimConfig {
  std::size_t workers = 1;
  std::uint64_t seed = 1;
  Timestamp latency_ns = 1'000;         // every message takes at least this long
  Timestamp jitter_ns = 0;              // plus a uniform random delay in [0, jitter_ns]
  Timestamp input_interval_ns = 1'000;  // a front takes one input per interval
  Timestamp ack_flush_ns = 10'000;      // a worker sends its aggregated acker delta this often
  std::size_t ack_flush_deltas = 64;    // or as soon as it holds this many deltas
  Timestamp slot_width = 1;             // timestamps (ns) per ack-table slot
  bool scatter_forward = false;         // see Placement::scatter_forward
  bool depth_first_local = true;        // see WorkerGraph::Config::depth_first_local
  // Fault injection, for research and for testing the safety checks: a front sends its report on
  // its own, ahead of the registrations still waiting in its worker's aggregator. This is the
  // classic acker bug the protocol rules out; the simulator must catch it.
  bool reports_overtake_registrations = false;
};

// The next payload for a front, or nothing when its input has ended.
using InputFn = std::function<std::optional<Value>(NodeId front)>;

// Runs `graph` until every input is released; `release` gets each sink's items in release order.
// Throws InternalError when the barrier would release an item too early or anything is left over.
RunStats simulate(const LogicalGraph& graph, const SimConfig& config, const InputFn& next_input,
                  const ReleaseFn& release);

}  // namespace flamestream
