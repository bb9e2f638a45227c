// The reference executor: the paper's order assumption made literal, and the oracle of every test.
//
// Single-threaded; inputs are processed one at a time in global-time order, and each is processed
// completely (every descendant, every trip around a cycle) before the next one enters. Within one
// input, descendants are processed depth first in child-id order, which is meta order, so every
// grouping sees its items in meta order and never replays. Any engine's released output must equal
// what this executor delivers to its sinks, item for item.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "model/graph.h"
#include "model/grouping.h"

namespace flamestream {

class ReferenceExecutor {
 public:
  using SinkFn = std::function<void(NodeId sink, const Item& item)>;
  // Sees every operation step: the node, the item it consumed, and what it emitted.
  using Observer = std::function<void(const Node& node, const Item& in, const std::vector<Output>&)>;

  ReferenceExecutor(const LogicalGraph& graph, SinkFn on_sink);

  void set_observer(Observer observer) { observer_ = std::move(observer); }

  // Feeds one payload to `front` with the next global time of that front, and runs it to completion.
  void push(NodeId front, Value payload);

  // Total replays across groupings: zero unless the order assumption is broken.
  std::uint64_t replays() const;

 private:
  void step(NodeId node, const Item& item, std::vector<std::pair<NodeId, Item>>& stack);

  const LogicalGraph& graph_;
  SinkFn on_sink_;
  Observer observer_;
  std::vector<std::unique_ptr<GroupingState>> groupings_;  // indexed by node id
  std::vector<Timestamp> next_ts_;                           // indexed by node id (fronts)
};

// Runs `inputs` through `graph` (one front) and returns the sink's items in delivery order.
std::vector<Item> run_reference(const LogicalGraph& graph, const std::vector<Value>& inputs);

}  // namespace flamestream
