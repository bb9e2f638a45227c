#include "runtime/run_stats.h"

#include <cstdio>

#include "runtime/metrics/metric_names.h"

namespace flamestream {

std::string RunStats::to_json() const {
  using namespace metrics;
  const bool sim = virtual_ms > 0;
  struct Field {
    const char* name;
    std::uint64_t value;
  };
  // The workers' endpoints name these figures the same (summed over workers and nodes there).
  const Field fields[] = {
      {kLinesIn, items_in},
      {kBarrierReleased, items_released},
      {kBarrierArrived, reached_barrier},
      {kBarrierCancelled, reached_barrier - valid_at_barrier},
      {kReplays, replays},
      {kTombstones, tombstones},
      {kAckerDeltasApplied, acker_deltas},
      {kSinkBufferedPeak, peak_sink_buffer},
      {sim ? kSimMessages : kPagesIn, messages},
      {kBytesSent, bytes_sent},
      {kGroupingKeys, grouping_keys},
      {kGroupingEntries, grouping_entries},
  };
  std::string json = "{\n";
  for (const Field& f : fields)
    json += std::string("  \"") + f.name + "\": " + std::to_string(f.value) + ",\n";
  char buf[96];
  std::snprintf(buf, sizeof buf, "  \"%s\": %.6f\n}\n", kSimVirtualSeconds, virtual_ms / 1e3);
  return json + buf;
}

}  // namespace flamestream
