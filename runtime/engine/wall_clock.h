// The system clock in nanoseconds since the epoch: what fronts on their own clock and ingest
// clients stamp lines with (Front, IngestClient), so that clients and workers on one machine read
// the same time axis, and the tick lengths of commits are real time.
#pragma once

#include <chrono>

#include "model/meta.h"

namespace flamestream {

inline Timestamp wall_ns() {
  return static_cast<Timestamp>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
}

}  // namespace flamestream
