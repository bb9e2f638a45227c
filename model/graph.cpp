#include "model/graph.h"

#include <algorithm>
#include <unordered_map>

#include "model/errors.h"

namespace flamestream {

namespace {

[[noreturn]] void fail(const Node& n, const std::string& what) {
  throw GraphError("node '" + n.name + "' (" + operation_name(n.op) + "): " + what);
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void check_degrees(const Node& n) {
  const std::size_t in = n.inputs.size(), out = n.outputs.size();
  if (n.is_front()) {
    if (in != 0) fail(n, "a front cannot have inputs, it has " + plural(in, "input"));
  } else if (std::holds_alternative<MergeOp>(n.op)) {
    if (in == 0) fail(n, "a merge needs at least one input");
  } else if (in != 1) {
    fail(n, "needs exactly one input, it has " + plural(in, "input") +
                (in > 1 ? " (use a merge to join streams)" : ""));
  }
  if (n.is_sink()) {
    if (out != 0) fail(n, "a sink cannot have outputs, it has " + plural(out, "output"));
  } else if (std::holds_alternative<BroadcastOp>(n.op)) {
    if (out == 0) fail(n, "a broadcast needs at least one output");
  } else if (out != 1) {
    fail(n, "needs exactly one output, it has " + plural(out, "output") +
                (out > 1 ? " (use a broadcast to replicate)" : ""));
  }
}

void check_operation(const Node& n) {
  if (auto* g = std::get_if<GroupingOp>(&n.op)) {
    if (g->window < 1) fail(n, "window must be at least 1, got " + std::to_string(g->window));
    if (!g->key) fail(n, "grouping needs a key function");
  }
  if (auto* m = std::get_if<MapOp>(&n.op); m && !m->fn) fail(n, "map needs a function");
  if (auto* f = std::get_if<FlatMapOp>(&n.op); f && !f->fn) fail(n, "flat map needs a function");
  if (auto* f = std::get_if<FilterOp>(&n.op); f && !f->keep) fail(n, "filter needs a predicate");
}

std::vector<bool> reachable(const std::vector<Node>& nodes, const std::vector<NodeId>& from,
                            bool forward) {
  std::vector<bool> seen(nodes.size(), false);
  std::vector<NodeId> stack(from.begin(), from.end());
  for (NodeId id : from) seen[id] = true;
  while (!stack.empty()) {
    NodeId id = stack.back();
    stack.pop_back();
    for (NodeId next : forward ? nodes[id].outputs : nodes[id].inputs) {
      if (!seen[next]) {
        seen[next] = true;
        stack.push_back(next);
      }
    }
  }
  return seen;
}

}  // namespace

NodeId LogicalGraph::find(std::string_view name) const {
  for (const Node& n : nodes_)
    if (n.name == name) return n.id;
  throw GraphError("unknown node '" + std::string(name) + "'");
}

std::uint64_t LogicalGraph::item_hash(NodeId id, const Value& payload) const {
  const Node& n = nodes_[id];
  return n.is_grouping() ? std::get<GroupingOp>(n.op).key_hash(payload) : payload.hash();
}

GraphBuilder& GraphBuilder::add(std::string name, Operation op, Partitioning p) {
  nodes_.push_back({std::move(name), std::move(op), p});
  return *this;
}

GraphBuilder& GraphBuilder::front(std::string name) {
  return add(std::move(name), FrontOp{}, Partitioning::pinned);
}
GraphBuilder& GraphBuilder::map(std::string name, MapFn fn, Partitioning p) {
  return add(std::move(name), MapOp{std::move(fn)}, p);
}
GraphBuilder& GraphBuilder::flat_map(std::string name, FlatMapFn fn, Partitioning p) {
  return add(std::move(name), FlatMapOp{std::move(fn)}, p);
}
GraphBuilder& GraphBuilder::filter(std::string name, FilterFn keep, Partitioning p) {
  return add(std::move(name), FilterOp{std::move(keep)}, p);
}
GraphBuilder& GraphBuilder::broadcast(std::string name, Partitioning p) {
  return add(std::move(name), BroadcastOp{}, p);
}
GraphBuilder& GraphBuilder::merge(std::string name, Partitioning p) {
  return add(std::move(name), MergeOp{}, p);
}
GraphBuilder& GraphBuilder::grouping(std::string name, std::size_t window, KeyFn key) {
  return add(std::move(name), GroupingOp{window, std::move(key)}, Partitioning::by_key);
}
GraphBuilder& GraphBuilder::grouping(std::string name, std::size_t window, KeyProjection key) {
  KeyFn copy;
  if (key) copy = [key](const Value& payload) { return key(payload); };
  return add(std::move(name), GroupingOp{window, std::move(copy), key}, Partitioning::by_key);
}
GraphBuilder& GraphBuilder::sink(std::string name) {
  return add(std::move(name), SinkOp{}, Partitioning::pinned);
}

GraphBuilder& GraphBuilder::edge(std::string from, std::string to) {
  edges_.emplace_back(std::move(from), std::move(to));
  return *this;
}

GraphBuilder& GraphBuilder::chain(std::initializer_list<std::string> path) {
  for (auto it = path.begin(); it != path.end() && std::next(it) != path.end(); ++it)
    edge(*it, *std::next(it));
  return *this;
}

LogicalGraph GraphBuilder::build() const {
  LogicalGraph g;
  // A front's instances share its node id in 16 bits of their front id (runtime/placement.h).
  if (nodes_.size() > 0xFFFF)
    throw GraphError("a graph holds at most 65535 nodes, this one " + std::to_string(nodes_.size()));
  std::unordered_map<std::string, NodeId> ids;
  for (const PendingNode& p : nodes_) {
    const auto id = static_cast<NodeId>(g.nodes_.size());
    if (p.name.empty()) throw GraphError("node #" + std::to_string(id) + " has an empty name");
    if (!ids.emplace(p.name, id).second) throw GraphError("node '" + p.name + "' is defined twice");
    if (p.partitioning == Partitioning::pinned || p.partitioning == Partitioning::by_key) {
      const bool pinned_op = std::holds_alternative<FrontOp>(p.op) || std::holds_alternative<SinkOp>(p.op);
      const bool keyed_op = std::holds_alternative<GroupingOp>(p.op);
      if ((p.partitioning == Partitioning::pinned) != pinned_op || (p.partitioning == Partitioning::by_key) != keyed_op)
        throw GraphError("node '" + p.name + "': only fronts and sinks are pinned, only groupings are keyed");
    }
    g.nodes_.push_back(Node{id, p.name, p.op, {}, {}, p.partitioning});
  }
  for (const auto& [from, to] : edges_) {
    auto f = ids.find(from), t = ids.find(to);
    if (f == ids.end()) throw GraphError("edge " + from + " -> " + to + ": unknown node '" + from + "'");
    if (t == ids.end()) throw GraphError("edge " + from + " -> " + to + ": unknown node '" + to + "'");
    g.nodes_[f->second].outputs.push_back(t->second);
    g.nodes_[t->second].inputs.push_back(f->second);
  }
  for (const Node& n : g.nodes_) {
    check_operation(n);
    check_degrees(n);
    if (n.is_front()) g.fronts_.push_back(n.id);
    if (n.is_sink()) g.sinks_.push_back(n.id);
  }
  if (g.fronts_.empty()) throw GraphError("the graph has no front");
  if (g.sinks_.empty()) throw GraphError("the graph has no sink");
  const auto from_front = reachable(g.nodes_, g.fronts_, true);
  const auto to_sink = reachable(g.nodes_, g.sinks_, false);
  for (const Node& n : g.nodes_) {
    if (!from_front[n.id])
      fail(n, n.is_sink() ? "sink is unreachable from every front" : "unreachable from every front");
    if (!to_sink[n.id]) fail(n, "no path from here to a sink: its items could never leave");
  }
  return g;
}

}  // namespace flamestream
