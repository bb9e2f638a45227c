#include "model/reference_executor.h"

#include <algorithm>

#include "model/errors.h"

namespace flamestream {

ReferenceExecutor::ReferenceExecutor(const LogicalGraph& graph, SinkFn on_sink)
    : graph_(graph), on_sink_(std::move(on_sink)), next_ts_(graph.nodes().size(), 1) {
  groupings_.resize(graph.nodes().size());
  for (const Node& n : graph.nodes())
    if (auto* g = std::get_if<GroupingOp>(&n.op)) groupings_[n.id] = std::make_unique<GroupingState>(*g);
}

void ReferenceExecutor::push(NodeId front, Value payload) {
  const Node& f = graph_.node(front);
  check_invariant(f.is_front(), "ReferenceExecutor::push needs a front node");
  Item item{std::move(payload), Meta{GlobalTime{next_ts_[front]++, front}, {}}, false};
  std::vector<std::pair<NodeId, Item>> stack;
  stack.emplace_back(f.outputs[0], std::move(item));
  while (!stack.empty()) {
    auto [node, it] = std::move(stack.back());
    stack.pop_back();
    step(node, it, stack);
  }
}

void ReferenceExecutor::step(NodeId id, const Item& item,
                             std::vector<std::pair<NodeId, Item>>& stack) {
  const Node& node = graph_.node(id);
  if (node.is_sink()) {
    on_sink_(id, item);
    return;
  }
  std::vector<Output> out;
  if (groupings_[id]) {
    groupings_[id]->on_item(item, out);
  } else {
    apply_stateless(node.op, node.outputs.size(), item, out);
  }
  if (observer_) observer_(node, item, out);
  // Depth first in child order: push in reverse so the first output is processed first.
  for (auto o = out.rbegin(); o != out.rend(); ++o)
    stack.emplace_back(node.outputs[o->port], std::move(o->item));
}

std::uint64_t ReferenceExecutor::replays() const {
  std::uint64_t n = 0;
  for (const auto& g : groupings_)
    if (g) n += g->stats().replays;
  return n;
}

std::vector<Item> run_reference(const LogicalGraph& graph, const std::vector<Value>& inputs) {
  check_invariant(graph.fronts().size() == 1, "run_reference needs a graph with one front");
  std::vector<Item> released;
  ReferenceExecutor exec(graph, [&](NodeId, const Item& item) { released.push_back(item); });
  for (const Value& v : inputs) exec.push(graph.fronts()[0], v);
  return released;
}

}  // namespace flamestream
