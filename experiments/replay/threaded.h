// The threaded engine for experiments: the embedded engine (WorkerLoop over ZeroMQ inproc://, one
// thread each), fed one line per ingest batch at an offered rate, with the minimal time and each
// release observed at the sink's worker.
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
