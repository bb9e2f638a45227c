#include "runtime/run_stats.h"

#include <cstdio>

namespace flamestream {

std::string RunStats::to_json() const {
  char buf[896];
  std::snprintf(buf, sizeof buf,
                "{\n  \"items_in\": %llu,\n  \"items_released\": %llu,\n"
                "  \"reached_barrier\": %llu,\n  \"valid_at_barrier\": %llu,\n"
                "  \"replays\": %llu,\n  \"tombstones\": %llu,\n  \"acker_deltas\": %llu,\n"
                "  \"peak_sink_buffer\": %llu,\n  \"messages\": %llu,\n  \"bytes_sent\": %llu,\n"
                "  \"grouping_keys\": %llu,\n  \"grouping_entries\": %llu,\n"
                "  \"virtual_ms\": %.3f\n}\n",
                static_cast<unsigned long long>(items_in),
                static_cast<unsigned long long>(items_released),
                static_cast<unsigned long long>(reached_barrier),
                static_cast<unsigned long long>(valid_at_barrier),
                static_cast<unsigned long long>(replays),
                static_cast<unsigned long long>(tombstones),
                static_cast<unsigned long long>(acker_deltas),
                static_cast<unsigned long long>(peak_sink_buffer),
                static_cast<unsigned long long>(messages),
                static_cast<unsigned long long>(bytes_sent),
                static_cast<unsigned long long>(grouping_keys),
                static_cast<unsigned long long>(grouping_entries), virtual_ms);
  return buf;
}

}  // namespace flamestream
