// The embedded engine: N worker threads in one process, ZeroMQ inproc:// between them, and
// in-process coordination. It shares every line of item handling with the cluster (WorkerLoop,
// Transport, IngestClient); only the endpoints and the coordination differ.
#pragma once

#include <functional>
#include <string_view>

#include "front/source.h"
#include "graphs/catalog.h"
#include "runtime/engine/engine_config.h"
#include "runtime/run_stats.h"
#include "runtime/worker_graph.h"

namespace flamestream {

struct EmbeddedOptions {
  std::size_t workers = 1;
  EngineConfig engine;
  // Lines per ingest batch: large for throughput; 1 lets a paced source offer each line on time.
  std::size_t ingest_batch_lines = 1024;
  std::size_t ingest_window = 4;  // unacknowledged ingest batches
  bool scatter_forward = false;   // see Placement::scatter_forward
  // Front instances, on the first workers (0: every worker). Several take the input in rounds,
  // line by line (IngestClient), but items of one key then reach its grouping from several
  // workers, out of order by up to a round: with a cycle (word count) every such item replays the
  // rest of its bucket. One instance keeps each key's items in order (DESIGN §6).
  std::size_t front_instances = 1;
  // Observes each advance of the time every sink instance has released to, on the thread that
  // calls `release`, after the items it released.
  std::function<void(Timestamp)> on_min_time;
  // When set, each released item is formatted (Job::format, then a newline) on the thread of the
  // worker whose sink released it, and the lines come here in order, a run of whole lines at a
  // time, instead of the items to run_embedded's `release`: the one thread that orders the sink
  // instances' releases only merges and writes.
  std::function<void(std::string_view lines)> release_text;
};

// Runs `job` over `source` (its one front, with `front_instances` instances, the input spread over
// them with its order kept) and calls `release` for each released item — the sink instances'
// releases merged into one order — on one thread and in order. A malformed input line throws
// InputError after everything before it in the input has been released, and nothing after it.
RunStats run_embedded(const Job& job, const EmbeddedOptions& options, Source& source,
                      const ReleaseFn& release);

}  // namespace flamestream
