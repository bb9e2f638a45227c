// Counters of one run, written as JSON by `flamestream run --stats`, each under the name the
// workers' metrics endpoints give the same figure (runtime/metrics/metric_names.h).
#pragma once

#include <cstdint>
#include <string>

namespace flamestream {

struct RunStats {
  std::uint64_t items_in = 0;          // inputs accepted by the fronts
  std::uint64_t items_released = 0;    // items the sinks released
  std::uint64_t reached_barrier = 0;   // items (not tombstones) that arrived at a sink barrier
  std::uint64_t valid_at_barrier = 0;  // of those, never cancelled
  std::uint64_t replays = 0;           // windows re-emitted by groupings
  std::uint64_t tombstones = 0;        // windows cancelled by groupings
  std::uint64_t acker_deltas = 0;      // aggregated deltas the acker applied
  std::uint64_t peak_sink_buffer = 0;  // most items one sink held at once
  std::uint64_t messages = 0;          // simulator: messages of all kinds; engines: item pages
  std::uint64_t bytes_sent = 0;        // engines: encoded bytes sent between workers
  std::uint64_t grouping_keys = 0;     // keys held by groupings at the end
  std::uint64_t grouping_entries = 0;  // items held by groupings at the end (≤ keys × (w−1))
  double virtual_ms = 0;               // simulated time (simulator only)

  std::string to_json() const;
};

}  // namespace flamestream
