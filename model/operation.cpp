#include "model/operation.h"

#include "model/burst_buffer.h"
#include "model/errors.h"

namespace flamestream {

namespace {

template <class... F>
struct Overloaded : F... { using F::operator()...; };

// Appends the output on `port` that `in` gives as child `child` with `payload`, built in place in
// `out`: an item built apart and pushed cost a move of the whole item.
template <class V>  // Value or const Value&: moved or copied once, straight into place
void emit_derived(std::vector<Output>& out, std::size_t port, const Item& in, V&& payload,
                  std::uint32_t child) {
  Output& o = out.emplace_back();
  o.port = port;
  o.item.payload = std::forward<V>(payload);
  o.item.meta.time = in.meta.time;
  o.item.meta.trace = in.meta.trace;
  o.item.meta.trace.push_back({0, child});
  o.item.tombstone = in.tombstone;
}

// The same for the last of several outputs, which takes the input's meta instead of copying it.
void emit_derived_last(std::vector<Output>& out, std::size_t port, Item& in, Value&& payload,
                       std::uint32_t child) {
  Output& o = out.emplace_back();
  o.port = port;
  o.item.payload = std::move(payload);
  o.item.meta = std::move(in.meta);
  o.item.meta.trace.push_back({0, child});
  o.item.tombstone = in.tombstone;
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
                     emit_derived(out, 0, in, std::move(produced[i]), static_cast<std::uint32_t>(i));
                   if (!produced.empty())
                     emit_derived_last(out, 0, in, std::move(produced.back()),
                                       static_cast<std::uint32_t>(produced.size() - 1));
                   clear_burst(produced);
                 },
                 [&](const FilterOp& f) {
                   if (f.keep(in.payload)) pass_on(std::move(in.payload));
                 },
                 [&](const BroadcastOp&) {
                   for (std::size_t i = 0; i + 1 < fanout; ++i)
                     emit_derived(out, i, in, in.payload, static_cast<std::uint32_t>(i));
                   if (fanout > 0)
                     emit_derived_last(out, fanout - 1, in, std::move(in.payload),
                                       static_cast<std::uint32_t>(fanout - 1));
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
