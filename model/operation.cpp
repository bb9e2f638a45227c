#include "model/operation.h"

#include "model/errors.h"

namespace flamestream {

namespace {

template <class... F>
struct Overloaded : F... { using F::operator()...; };

Item derived(const Item& in, Value payload, std::uint32_t child) {
  return Item{std::move(payload), in.meta.extended({0, child}), in.tombstone};
}

}  // namespace

const char* operation_name(const Operation& op) {
  return std::visit(Overloaded{
                        [](const FrontOp&) { return "front"; },
                        [](const MapOp&) { return "map"; },
                        [](const FlatMapOp&) { return "flat_map"; },
                        [](const FilterOp&) { return "filter"; },
                        [](const BroadcastOp&) { return "broadcast"; },
                        [](const MergeOp&) { return "merge"; },
                        [](const GroupingOp&) { return "grouping"; },
                        [](const SinkOp&) { return "sink"; },
                    },
                    op);
}

void apply_stateless(const Operation& op, std::size_t fanout, const Item& in,
                     std::vector<Output>& out) {
  std::visit(Overloaded{
                 [&](const MapOp& m) { out.push_back({0, derived(in, m.fn(in.payload), 0)}); },
                 [&](const FlatMapOp& f) {
                   thread_local std::vector<Value> produced;
                   produced.clear();
                   f.fn(in.payload, produced);
                   for (std::size_t i = 0; i < produced.size(); ++i)
                     out.push_back({0, derived(in, std::move(produced[i]),
                                               static_cast<std::uint32_t>(i))});
                 },
                 [&](const FilterOp& f) {
                   if (f.keep(in.payload)) out.push_back({0, derived(in, in.payload, 0)});
                 },
                 [&](const BroadcastOp&) {
                   for (std::size_t i = 0; i < fanout; ++i)
                     out.push_back({i, derived(in, in.payload, static_cast<std::uint32_t>(i))});
                 },
                 [&](const MergeOp&) { out.push_back({0, derived(in, in.payload, 0)}); },
                 [&](const auto&) {
                   on_internal_error(std::string("apply_stateless called on a ") +
                                     operation_name(op) + " node");
                 },
             },
             op);
}

}  // namespace flamestream
