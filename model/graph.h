// The logical graph (paper §2): named nodes, each one operation, and the edges between them.
//
// A graph is immutable once built and validated; cycles are allowed. Routing is data on the node's
// input: the hash that picks which worker runs the node for an item (the grouping's key hash for a
// grouping, as §3.2 requires, the payload hash otherwise). Fronts and sinks are pinned to one worker.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/operation.h"

namespace flamestream {

using NodeId = std::uint32_t;

// How the worker that runs a node for an item is chosen (paper §3.2: a hash function on each
// operation's input). The result never depends on it for stateless operations; grouping must be
// partitioned by its key, and fronts and sinks are pinned to one worker each.
enum class Partitioning : std::uint8_t {
  forward,     // stay on the worker that produced the item (stateless operations, the default)
  by_payload,  // hash of the whole payload
  by_key,      // the grouping's key hash
  pinned,      // one chosen worker (fronts, sinks)
};

struct Node {
  NodeId id = 0;
  std::string name;
  Operation op;
  std::vector<NodeId> inputs;
  std::vector<NodeId> outputs;  // port i of this node feeds outputs[i]
  Partitioning partitioning = Partitioning::forward;

  bool is_front() const { return std::holds_alternative<FrontOp>(op); }
  bool is_sink() const { return std::holds_alternative<SinkOp>(op); }
  bool is_grouping() const { return std::holds_alternative<GroupingOp>(op); }
  bool is_pinned() const { return is_front() || is_sink(); }
};

class LogicalGraph {
 public:
  const Node& node(NodeId id) const { return nodes_[id]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<NodeId>& fronts() const { return fronts_; }
  const std::vector<NodeId>& sinks() const { return sinks_; }

  // Throws GraphError when no node has this name.
  NodeId find(std::string_view name) const;

  // The 32-bit partition hash of an item entering `id`: the key hash for a grouping, the payload
  // hash otherwise (used by by_payload and by_key nodes).
  std::uint32_t partition_hash(NodeId id, const Value& payload) const {
    return fold(item_hash(id, payload));
  }
  // The 64-bit hash partition_hash folds: for a grouping, its key's hash, which is what
  // GroupingState::on_item needs, so a worker that routed an item hands it on.
  std::uint64_t item_hash(NodeId id, const Value& payload) const;
  static std::uint32_t fold(std::uint64_t h) { return static_cast<std::uint32_t>(h ^ (h >> 32)); }

 private:
  friend class GraphBuilder;
  std::vector<Node> nodes_;
  std::vector<NodeId> fronts_;
  std::vector<NodeId> sinks_;
};

// Builds a graph by name: add nodes, then connect them with edges (forward references allowed, so
// cycles are easy to write). build() validates and throws GraphError naming the offending node.
class GraphBuilder {
 public:
  GraphBuilder& front(std::string name);
  // Stateless operations run where their input was produced unless told otherwise.
  GraphBuilder& map(std::string name, MapFn fn, Partitioning p = Partitioning::forward);
  GraphBuilder& flat_map(std::string name, FlatMapFn fn, Partitioning p = Partitioning::forward);
  GraphBuilder& filter(std::string name, FilterFn keep, Partitioning p = Partitioning::forward);
  GraphBuilder& broadcast(std::string name, Partitioning p = Partitioning::forward);
  GraphBuilder& merge(std::string name, Partitioning p = Partitioning::forward);
  GraphBuilder& grouping(std::string name, std::size_t window, KeyFn key);
  // The same with a key that is a part of the payload (GroupingOp::key_part).
  GraphBuilder& grouping(std::string name, std::size_t window, KeyProjection key);
  GraphBuilder& sink(std::string name);

  GraphBuilder& edge(std::string from, std::string to);
  // edge(a, b), edge(b, c), ... for a path of nodes.
  GraphBuilder& chain(std::initializer_list<std::string> path);

  LogicalGraph build() const;

 private:
  GraphBuilder& add(std::string name, Operation op, Partitioning p);

  struct PendingNode {
    std::string name;
    Operation op;
    Partitioning partitioning;
  };
  std::vector<PendingNode> nodes_;
  std::vector<std::pair<std::string, std::string>> edges_;
};

}  // namespace flamestream
