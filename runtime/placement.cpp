#include "runtime/placement.h"

#include <algorithm>

#include "model/errors.h"

namespace flamestream {

HashMapping HashMapping::even(std::size_t workers) {
  check_invariant(workers > 0, "a hash mapping needs at least one worker");
  HashMapping m;
  constexpr std::uint64_t kSpace = std::uint64_t{1} << 32;
  for (std::size_t i = 1; i <= workers; ++i) m.upper_bounds_.push_back(kSpace * i / workers);
  return m;
}

WorkerId HashMapping::worker_for(std::uint32_t hash) const {
  const auto it = std::upper_bound(upper_bounds_.begin(), upper_bounds_.end(), std::uint64_t{hash});
  return static_cast<WorkerId>(it - upper_bounds_.begin());
}

Placement Placement::spread(const LogicalGraph& graph, std::size_t workers) {
  Placement p{HashMapping::even(workers), std::vector<WorkerId>(graph.nodes().size(), 0),
              static_cast<WorkerId>(workers - 1)};
  for (NodeId s : graph.sinks()) p.pinned_host[s] = static_cast<WorkerId>(1 % workers);
  return p;
}

}  // namespace flamestream
