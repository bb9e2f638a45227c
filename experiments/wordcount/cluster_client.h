// The word-count benchmark's client of a running cluster (fs_bench --engine cluster).
//
// Streams a source into the front 'in' (every instance) of the latest tick of a running cluster and
// follows every instance of its sink 'out', merged into the one order as `flamestream tail` does
// (TailClient, pausing `tail_poll_us` when nothing is new), calling `on_lines` with each line as it
// arrives, until every instance says its output is complete.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "front/source.h"

namespace wordcount_bench {

// Returns the tick's worker count. Throws std::runtime_error naming what failed (no tick, a
// worker not registered, a sink's worker silent for 5 minutes, the ingest client's error).
std::size_t run_cluster(const std::string& zk_hosts, double tail_poll_us, std::size_t ingest_batch,
                        flamestream::Source& source,
                        const std::function<void(const std::vector<std::string>&)>& on_lines);

}  // namespace wordcount_bench
