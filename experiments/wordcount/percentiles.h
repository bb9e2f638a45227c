// Latency percentiles of the word-count benchmark's drivers (fs_bench, kafka_load), and their
// JSON form: one shape for every driver, so experiments/wordcount/bench reads them alike.
// A set without samples prints as null, never as zeros that would read as a latency of 0 ms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wordcount_bench {

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // ms
  std::size_t n = 0;
};

// Nearest-rank percentiles of latencies in ns, reported in ms.
Percentiles percentiles(std::vector<std::int64_t> ns);

// {"n": .., "p50": .., "p90": .., "p99": .., "p999": .., "max": ..}, or null when n is 0.
std::string json(const Percentiles& p);

}  // namespace wordcount_bench
