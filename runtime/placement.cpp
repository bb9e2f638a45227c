#include "runtime/placement.h"

#include <algorithm>

#include "model/errors.h"

namespace flamestream {

namespace {
constexpr std::uint64_t kKeySpace = std::uint64_t{1} << 32;
}

HashMapping HashMapping::even(std::size_t workers) {
  check_invariant(workers > 0, "a hash mapping needs at least one worker");
  std::vector<Range> ranges;
  for (std::size_t i = 1; i <= workers; ++i)
    ranges.push_back({kKeySpace * i / workers, static_cast<WorkerId>(i - 1)});
  return of(std::move(ranges), workers);
}

HashMapping HashMapping::of(std::vector<Range> ranges, std::size_t workers) {
  check_invariant(!ranges.empty() && ranges.back().end == kKeySpace,
                  "a hash mapping must cover the key space up to 2^32");
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    check_invariant(ranges[i].end > (i ? ranges[i - 1].end : 0), "hash ranges must be non-empty and ordered");
    check_invariant(ranges[i].worker < workers, "a hash range is owned by an unknown worker");
  }
  HashMapping m;
  m.ranges_ = std::move(ranges);
  m.workers_ = workers;
  return m;
}

WorkerId HashMapping::worker_for(std::uint32_t hash) const {
  const auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::uint64_t{hash},
                                   [](std::uint64_t h, const Range& r) { return h < r.end; });
  return it->worker;
}

Placement Placement::spread(const LogicalGraph& graph, std::size_t workers, bool scatter_forward,
                            std::size_t front_instances) {
  std::vector<WorkerId> every(workers);
  for (WorkerId w = 0; w < workers; ++w) every[w] = w;
  Placement p{HashMapping::even(workers), std::vector<std::vector<WorkerId>>(graph.nodes().size()),
              static_cast<WorkerId>(workers - 1), scatter_forward, {}};
  const std::size_t fronts = front_instances == 0 ? workers : std::min(front_instances, workers);
  for (NodeId f : graph.fronts()) p.hosts[f].assign(every.begin(), every.begin() + fronts);
  for (NodeId s : graph.sinks()) p.hosts[s] = every;
  return p;
}

std::vector<FrontId> Placement::front_instances(const LogicalGraph& graph) const {
  std::vector<FrontId> ids;
  for (NodeId f : graph.fronts()) {
    if (const std::uint32_t n = partitions_of(f)) {
      for (std::uint32_t p = 0; p < n; ++p) ids.push_back(partition_instance(f, p));
      continue;
    }
    for (WorkerId w : hosts[f]) ids.push_back(front_instance(f, w));
  }
  return ids;
}

std::vector<std::uint32_t> Placement::partitions_on(NodeId front, WorkerId w) const {
  std::vector<std::uint32_t> out;
  const auto& h = hosts[front];
  for (std::uint32_t p = 0; p < partitions_of(front); ++p)
    if (h[p % h.size()] == w) out.push_back(p);
  return out;
}

}  // namespace flamestream
