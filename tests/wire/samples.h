// Sample messages for the wire tests: one of every body kind, with every value kind, so round
// trips and the fuzzers' mutations start from messages that cover the whole schema.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "runtime/wire/codec.h"

namespace flamestream::wire::samples {

using namespace std::string_literals;

inline constexpr std::size_t kNodes = 10;
inline constexpr std::size_t kWorkers = 4;

inline Limits default_limits() { return Limits{kNodes, kWorkers}; }

inline Envelope envelope(NodeId node, Value payload, Trace trace = {}, bool tombstone = false) {
  Envelope e;
  e.node = node;
  e.ack_id = 0x9E3779B97F4A7C15ULL ^ node;
  e.item.payload = std::move(payload);
  e.item.meta.time = GlobalTime{1234567890123ULL + node, 2};
  e.item.meta.trace = std::move(trace);
  e.item.tombstone = tombstone;
  return e;
}

inline Value nested_tuple(std::size_t depth) {
  Value v = Value(std::int64_t{7});
  for (std::size_t i = 0; i < depth; ++i) v = Value::tuple({v, Value("x")});
  return v;
}

inline std::vector<Value> every_value_kind() {
  return {
      Value(),
      Value(true),
      Value(false),
      Value(std::int64_t{0}),
      Value(std::numeric_limits<std::int64_t>::min()),
      Value(std::numeric_limits<std::int64_t>::max()),
      Value(3.25),
      Value(-0.0),
      Value(std::numeric_limits<double>::infinity()),
      Value(std::numeric_limits<double>::denorm_min()),
      Value(""),
      Value("word"),
      Value("a\0b\0\0"s),
      Value(std::string(1000, '\xff')),
      Value::tuple({}),
      Value::tuple({Value(), Value(false), Value(std::int64_t{-5}), Value(1.5), Value(""),
                    Value::tuple({Value("in"s), Value::tuple({})})}),
      nested_tuple(5),
  };
}

inline ItemBatch sample_batch() {
  ItemBatch b;
  NodeId node = 0;
  for (const Value& v : every_value_kind()) {
    b.envelopes.push_back(envelope(node % kNodes, v, {{0, node}, {node, 1}}, node % 3 == 0));
    ++node;
  }
  b.envelopes.push_back(envelope(9, Value("long"), Trace(300, LocalTime{1, 2}), true));
  return b;
}

inline std::vector<Message> sample_messages() {
  std::vector<Message> out;
  out.push_back({1, 0, sample_batch()});
  out.push_back({2, 1, ItemBatch{}});
  out.push_back({3, 2, AckDelta{{{0, 1}, {64, ~0ULL}, {128, 0x1234}}, {{2, 77}, {3, kInfinity}}}});
  out.push_back({4, 3, AckDelta{}});
  out.push_back({5, 3, MinTimeUpdate{kInfinity}});
  out.push_back(
      {6, 0, IngestLines{"numbers", 42, {"1", "", "x\0y"s, std::string(300, 'z')}, true}});
  out.push_back({7, 0, IngestLines{"", 0, {}, false}});
  out.push_back({8, 1, IngestAck{42, 3, "input line 45: not a number"}});
  out.push_back({9, 1, IngestAck{0, 0, ""}});
  out.push_back({10, 2, TailRequest{"out", 99}});
  out.push_back({11, 2, TailReply{99, {"(a, 1)", "", "\0"s}, true, {"k1", "k2", "k3"}, 77}});
  out.push_back({12, 2, TailReply{0, {}, false, {}, 0}});
  out.push_back({13, 0, Stop{}});
  out.push_back({14, 3, Commit{5'000'000, 4'500'000}, 2});
  out.push_back({15, 1, CommitAck{5'000'000, "/data/w1/snapshots/5000000.snap", {{0, 1025}, {1, 1}}}, 7});
  out.push_back({16, 1, CommitAck{kInfinity, "", {}}, 0});
  out.push_back({17, 1, IngestAck{1025, 0, "", true}});
  out.push_back({18, 0, StateRequest{"tick-0000000003", 5'000'000, {{0, 99}, {1000, 4294967295u}}}});
  out.push_back({19, 2, StateReply{5'000'000, sample_batch().envelopes, ""}});
  out.push_back({20, 2, StateReply{7, {}, "no snapshot of 7"}});
  return out;
}

}  // namespace flamestream::wire::samples
