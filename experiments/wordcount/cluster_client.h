// The word-count benchmark's client of a running cluster (fs_bench --engine cluster).
//
// Streams a source into the front 'in' of the latest tick of a running cluster and follows its sink
// 'out' (TailRequest polling, as `flamestream tail` does but without its 20 ms sleep), calling
// `on_lines` with each reply's output lines as they arrive, until the sink says the output is
// complete. One call a reply: the lines of a reply arrived at one instant.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "front/source.h"

namespace wordcount_bench {

// Returns the tick's worker count. Throws std::runtime_error naming what failed (no tick, a
// worker not registered, the sink's worker silent for 30 s, the ingest client's error).
std::size_t run_cluster(const std::string& zk_hosts, double tail_poll_us, std::size_t ingest_batch,
                        flamestream::Source& source,
                        const std::function<void(const std::vector<std::string>&)>& on_lines);

}  // namespace wordcount_bench
