// Meta-information of an item (paper §2.1): a global time fixed at the front, and a trace of local
// times appended by every operation the item passes.
//
// Metas order lexicographically (global time, then trace). Local times are deterministic here: a
// stateless operation appends (0, child id), so two items with one global time differ first at the
// branch (flat map, broadcast) that separated them, exactly the order in which the reference executor
// processes them. Only grouping writes a non-zero logical time: the version of the window it emits, so
// a replayed window (version 2, 3, ...) gets a meta that invalidates its earlier emissions (§3.1.2).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

#include "model/trace.h"

namespace flamestream {

using Timestamp = std::uint64_t;
inline constexpr Timestamp kInfinity = std::numeric_limits<Timestamp>::max();

using FrontId = std::uint32_t;

struct GlobalTime {
  Timestamp ts = 0;
  FrontId front = 0;
  friend auto operator<=>(const GlobalTime&, const GlobalTime&) = default;
};


struct Meta {
  GlobalTime time;
  Trace trace;

  Meta extended(LocalTime local) const {
    Meta m{time, trace};
    m.trace.push_back(local);
    return m;
  }

  friend auto operator<=>(const Meta&, const Meta&) = default;
  friend bool operator==(const Meta&, const Meta&) = default;
};

// True when `newer` invalidates `older` (paper §3.1.2): same global time, older's trace is smaller,
// and the first difference is in logical time. A first difference in child id makes them brothers,
// which never invalidate each other; a trace that is a prefix of the other is an ancestor, not a rival.
bool invalidates(const Meta& newer, const Meta& older);

std::string to_string(const Meta& meta);

}  // namespace flamestream
