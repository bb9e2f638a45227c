#include "model/operation.h"

#include "model/burst_buffer.h"
#include "model/errors.h"

namespace flamestream {

namespace {

template <class... F>
struct Overloaded : F... { using F::operator()...; };

Item derived(const Item& in, Value payload, std::uint32_t child) {
  return Item{std::move(payload), in.meta.extended({0, child}), in.tombstone};
}

// The last of several outputs takes the input's meta instead of copying it.
Item derived_last(Item& in, Value payload, std::uint32_t child) {
  Item item{std::move(payload), std::move(in.meta), in.tombstone};
  item.meta.trace.push_back({0, child});
  return item;
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

bool is_one_to_one(const Operation& op) {
  return std::holds_alternative<MapOp>(op) || std::holds_alternative<FilterOp>(op) ||
         std::holds_alternative<MergeOp>(op);
}

bool apply_in_place(const Operation& op, Item& item) {
  if (const auto* m = std::get_if<MapOp>(&op)) {
    item.payload = m->fn(item.payload);
  } else if (const auto* f = std::get_if<FilterOp>(&op)) {
    if (!f->keep(item.payload)) return false;
  } else if (!std::holds_alternative<MergeOp>(op)) {
    on_internal_error(std::string("apply_in_place called on a ") + operation_name(op) + " node");
  }
  item.meta.trace.push_back({0, 0});
  return true;
}

void apply_stateless(const Operation& op, std::size_t fanout, const Item& in,
                     std::vector<Output>& out) {
  apply_stateless(op, fanout, Item(in), out);
}

void apply_stateless(const Operation& op, std::size_t fanout, Item&& in, std::vector<Output>& out) {
  // The input is consumed: a one-to-one operation hands its meta on, one entry longer, without
  // copying it.
  auto pass_on = [&](Value payload) {
    in.payload = std::move(payload);
    in.meta.trace.push_back({0, 0});
    out.emplace_back(0, std::move(in));
  };
  std::visit(Overloaded{
                 [&](const MapOp& m) { pass_on(m.fn(in.payload)); },
                 [&](const FlatMapOp& f) {
                   thread_local std::vector<Value> produced;
                   produced.clear();
                   f.fn(in.payload, produced);
                   // All at once: a long line's words would otherwise double the buffer up to
                   // twice their room, holding the old one during each move.
                   if (out.empty()) out.reserve(produced.size());
                   for (std::size_t i = 0; i + 1 < produced.size(); ++i)
                     out.push_back({0, derived(in, std::move(produced[i]),
                                               static_cast<std::uint32_t>(i))});
                   if (!produced.empty())
                     out.push_back({0, derived_last(in, std::move(produced.back()),
                                                    static_cast<std::uint32_t>(produced.size() - 1))});
                   clear_burst(produced);
                 },
                 [&](const FilterOp& f) {
                   if (f.keep(in.payload)) pass_on(std::move(in.payload));
                 },
                 [&](const BroadcastOp&) {
                   for (std::size_t i = 0; i + 1 < fanout; ++i)
                     out.push_back({i, derived(in, in.payload, static_cast<std::uint32_t>(i))});
                   if (fanout > 0)
                     out.push_back({fanout - 1, derived_last(in, std::move(in.payload),
                                                             static_cast<std::uint32_t>(fanout - 1))});
                 },
                 [&](const MergeOp&) { pass_on(std::move(in.payload)); },
                 [&](const auto&) {
                   on_internal_error(std::string("apply_stateless called on a ") +
                                     operation_name(op) + " node");
                 },
             },
             op);
}

}  // namespace flamestream
