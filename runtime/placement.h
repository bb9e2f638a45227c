// Where each part of a job runs: the hash mapping of the 32-bit key space onto workers (paper §3.2)
// and the workers that host the instances of the pinned nodes (fronts, sinks) and the acker.
//
// A front or a sink may run as several instances, one per hosting worker (by default one on every
// worker, so input and output spread over the workers, DESIGN §6). Each front instance stamps with
// a front id of its own (front_instance()), so global times stay unique across instances. An item
// reaches the sink instance on the worker that produced it, or, when that worker hosts none, the
// instance a fixed function of the producing worker picks: either way a tombstone, produced where
// its item was, reaches the same instance.
//
// Routing is data, kept apart from operator logic: route() is the one place that decides which
// worker an item entering a node goes to. Equal payloads always go to the same worker, which is
// what keeps a tombstone on the exact route of the item it cancels.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/graph.h"

namespace flamestream {

using WorkerId = std::uint32_t;

class HashMapping {
 public:
  struct Range {
    std::uint64_t end;  // exclusive; ranges are contiguous from 0 and the last ends at 2^32
    WorkerId worker;
  };

  // Splits the key space into `workers` equal, disjoint, contiguous ranges, range i to worker i.
  static HashMapping even(std::size_t workers);
  // Contiguous ranges in key order over `workers` workers; checks the invariant above.
  static HashMapping of(std::vector<Range> ranges, std::size_t workers);

  WorkerId worker_for(std::uint32_t hash) const;
  std::size_t workers() const { return workers_; }
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  std::vector<Range> ranges_;
  std::size_t workers_ = 0;
};

// The front id of the instance of front `node` on worker `worker`: unique per instance, so two
// instances never assign one global time.
inline FrontId front_instance(NodeId node, WorkerId worker) {
  return static_cast<FrontId>(worker) << 16 | static_cast<FrontId>(node);
}

// The front id of the instance of a partitioned front (a Kafka front) that reads partition
// `partition`: bit 31 set, so it never equals an instance by worker (workers < 0x8000).
inline FrontId partition_instance(NodeId node, std::uint32_t partition) {
  return (static_cast<FrontId>(0x8000 | partition)) << 16 | static_cast<FrontId>(node);
}

struct Placement {
  HashMapping mapping;
  // By node id: the workers hosting an instance, ascending, non-empty for fronts and sinks.
  std::vector<std::vector<WorkerId>> hosts;
  WorkerId acker_host = 0;
  // Research and testing: route forward-partitioned nodes by payload hash instead, so items of
  // one key cross more channels and arrive in more orders. The output must not change.
  bool scatter_forward = false;
  // By node id: a partitioned front's partition count (0: an ordinary front, one instance per
  // host). Partition p is read on hosts[node][p % hosts[node].size()], as front instance
  // partition_instance(node, p); a host without a partition takes no input of that front.
  std::vector<std::uint32_t> partitions;

  // An instance of every sink on every worker, of every front on the first `front_instances`
  // workers (0: every worker), the acker on the last worker.
  static Placement spread(const LogicalGraph& graph, std::size_t workers, bool scatter_forward = false,
                          std::size_t front_instances = 0);

  bool hosts_instance(NodeId node, WorkerId w) const {
    const auto& h = hosts[node];
    return std::binary_search(h.begin(), h.end(), w);
  }
  // Every front instance of the job: what the acker waits for before the minimal time can move.
  std::vector<FrontId> front_instances(const LogicalGraph& graph) const;
  std::uint32_t partitions_of(NodeId front) const { return front < partitions.size() ? partitions[front] : 0; }
  // The partitions of partitioned front `front` read on worker `w`, ascending.
  std::vector<std::uint32_t> partitions_on(NodeId front, WorkerId w) const;
  // The sink instance that takes the items of `sink` produced on worker `here`.
  WorkerId sink_instance(NodeId sink, WorkerId here) const {
    const auto& h = hosts[sink];
    return hosts_instance(sink, here) ? here : h[here % h.size()];
  }

  // Where an item goes, and the hash that decided it (LogicalGraph::item_hash) when one was
  // computed: for a grouping, its key hash, which the grouping can use instead of hashing again.
  struct Route {
    WorkerId worker;
    bool hashed = false;
    std::uint64_t hash = 0;
  };

  // The worker that runs `node` for an item with `payload` produced on worker `here`.
  Route route_hashed(const LogicalGraph& graph, WorkerId here, NodeId node, const Value& payload) const {
    switch (graph.node(node).partitioning) {
      case Partitioning::pinned: return {sink_instance(node, here)};
      case Partitioning::forward:
        if (!scatter_forward) return {here};
        [[fallthrough]];
      case Partitioning::by_payload:
      case Partitioning::by_key: {
        // One range owns the whole key space: every hash lands there, so skip computing it (a
        // grouping's key function and a hash per item).
        if (mapping.ranges().size() == 1) return {mapping.ranges().front().worker};
        const std::uint64_t h = graph.item_hash(node, payload);
        return {mapping.worker_for(LogicalGraph::fold(h)), true, h};
      }
    }
    return {here};
  }
  WorkerId route(const LogicalGraph& graph, WorkerId here, NodeId node, const Value& payload) const {
    return route_hashed(graph, here, node, payload).worker;
  }
};

}  // namespace flamestream
