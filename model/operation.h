// The operations of a logical graph (paper §2.2), as immutable descriptions.
//
// An operation holds only what the user gave it (functions, window, key); per-worker mutable state
// lives elsewhere (grouping.h). Front and sink are the graph's entry and exit, listed here so a node
// is always one of these eight. Functions must be deterministic: tombstones and replays rely on a
// function giving the same outputs for the same payload every time.
#pragma once

#include <cstddef>
#include <functional>
#include <variant>
#include <vector>

#include "model/item.h"
#include "model/value.h"

namespace flamestream {

using MapFn = std::function<Value(const Value&)>;
using FlatMapFn = std::function<void(const Value&, std::vector<Value>& out)>;
using FilterFn = std::function<bool(const Value&)>;
using KeyFn = std::function<Value(const Value&)>;
// A key that is a part of the payload, returned by reference: grouping looks its bucket up without
// copying the key (word count's key is a string inside the tuple).
using KeyProjection = const Value& (*)(const Value&);

struct FrontOp {};
struct MapOp { MapFn fn; };
struct FlatMapOp { FlatMapFn fn; };
struct FilterOp { FilterFn keep; };
struct BroadcastOp {};
struct MergeOp {};
struct GroupingOp {
  std::size_t window = 0;
  KeyFn key;
  KeyProjection key_part = nullptr;  // optional; when set, `key` returns a copy of what it returns

  // The hash of `payload`'s key: what grouping and the partitioning by key use.
  std::uint64_t key_hash(const Value& payload) const {
    return key_part ? key_part(payload).hash() : key(payload).hash();
  }
};
struct SinkOp {};

using Operation =
    std::variant<FrontOp, MapOp, FlatMapOp, FilterOp, BroadcastOp, MergeOp, GroupingOp, SinkOp>;

const char* operation_name(const Operation& op);

// An output of one operation step: the successor port (index into the node's outputs) and the item.
struct Output {
  std::size_t port = 0;
  Item item;
};

// Applies a stateless operation (map, flat map, filter, broadcast, merge) to one item, appending to
// `out`. `fanout` is the node's number of successors (broadcast copies to each).
void apply_stateless(const Operation& op, std::size_t fanout, const Item& in,
                     std::vector<Output>& out);
// The same, consuming `in`: cheaper on a hot path that no longer needs the input.
void apply_stateless(const Operation& op, std::size_t fanout, Item&& in, std::vector<Output>& out);

// Map, filter and merge: exactly one output on port 0, or none (a filter that drops its input).
bool is_one_to_one(const Operation& op);
// Applies a one-to-one operation in place: `item` becomes its own output, with the same payload,
// meta and flag apply_stateless would give it. Returns false when a filter drops it (`item` is then
// left as it was). A hot path that runs one operation after another keeps one Item and moves nothing.
bool apply_in_place(const Operation& op, Item& item);

}  // namespace flamestream
