// The threaded engine for experiments: the embedded engine's workers (WorkerLoop over ZeroMQ
// inproc://, one thread each), fed at an offered rate and observed from inside.
//
// run_embedded() streams its input in batches of 1024 lines and has no minimal-time hook, which
// suits throughput but not an offered rate of 10-1000 documents a second; this runner assembles the
// same pieces (WorkerLoop, Transport, IngestClient) with one line per ingest batch, paces the lines
// in wall-clock time, and watches the minimal time at the sink's worker.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graphs/catalog.h"
#include "runtime/engine/engine_config.h"
#include "runtime/run_stats.h"

namespace flamestream::replay {

struct ThreadedRun {
  RunStats stats;
  std::uint64_t pages = 0;              // item pages the workers received
  std::vector<double> latency_ms;       // per released item: release wall time - its global time
  std::vector<double> min_time_lag_ms;  // per minimal-time advance at the sink: wall - minimal time
};

// Runs `job` on `workers` threads; line i is offered at start + offered_at[i] seconds (all zero: as
// fast as the front admits). `scatter` routes stateless hops by payload hash (Placement::
// scatter_forward), as the simulator's knob of the same name. `release` gets each released item, in order, on the sink's thread.
ThreadedRun run_threaded(const Job& job, std::size_t workers, bool scatter, const EngineConfig& config,
                         const std::vector<std::string>& lines, const std::vector<double>& offered_at,
                         const std::function<void(const Item&)>& release);

}  // namespace flamestream::replay
