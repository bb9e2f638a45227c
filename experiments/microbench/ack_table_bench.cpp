// Ack table throughput (AckTable::apply, DeltaAggregator), in deltas per second.
//
// A stream of N atomic deltas, one per processed item with timestamp t: "ack my input (slot of t),
// register two outputs (slots of t+1 and t+δ, δ in 1..3)". The XOR values are chosen so that the
// ack of t clears everything registered into t before it, so the table keeps a few live slots and
// the minimal time advances on every slot boundary (the steady state of a healthy pipeline).
//   ApplyEach  — every delta applied to the table on its own (no aggregation);
//   Aggregated — deltas folded by a DeltaAggregator (3 XORs + end_delta each), and the aggregate
//                taken and applied every `batch` deltas.
// slot_width 1 puts every timestamp in its own slot (a map insert and erase per delta); 1000 lets
// 1000 consecutive timestamps share a slot (mostly in-place XORs).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "experiments/microbench/items.h"
#include "acker/ack_table.h"
#include "acker/delta_aggregator.h"

namespace flamestream {
namespace {

std::uint64_t splitmix64(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

struct DeltaStream {
  std::uint64_t sentinel = 0;      // registered at timestamp 0 before the stream starts
  std::vector<AckDelta> deltas;    // each: 1 ack + 2 registrations, per-timestamp (not slotted)
};

// Builds the stream on raw timestamps; AckTable::apply and DeltaAggregator::add map them to slots.
DeltaStream make_stream(std::size_t n) {
  DeltaStream s;
  std::uint64_t rng = 42;
  std::unordered_map<Timestamp, std::uint64_t> pending;  // XOR registered so far per timestamp
  s.sentinel = splitmix64(rng);
  pending[0] = s.sentinel;
  s.deltas.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto t = static_cast<Timestamp>(i);
    const Timestamp delta_ts = t + 1 + (splitmix64(rng) % 3);
    const std::uint64_t next = splitmix64(rng);
    const std::uint64_t other = splitmix64(rng);
    AckDelta d;
    d.slots.push_back({t, pending[t]});  // the ack: clears timestamp t
    pending.erase(t);
    d.slots.push_back({t + 1, next});
    pending[t + 1] ^= next;
    d.slots.push_back({delta_ts, other});
    pending[delta_ts] ^= other;
    s.deltas.push_back(std::move(d));
  }
  return s;
}

std::unique_ptr<AckTable> fresh_table(const DeltaStream& s, Timestamp slot_width) {
  auto table = std::make_unique<AckTable>(std::vector<FrontId>{0}, slot_width);
  AckDelta setup;
  setup.slots.push_back({0, s.sentinel});
  setup.reports.push_back({0, kInfinity});  // the front is closed: only the slots hold time back
  table->apply(setup);
  return table;
}

constexpr std::size_t kDeltas = 1 << 16;

// Args: slot_width.
void BM_AckTableApplyEach(benchmark::State& state) {
  const auto slot_width = static_cast<Timestamp>(state.range(0));
  const DeltaStream s = make_stream(kDeltas);
  std::uint64_t advanced = 0;
  Timestamp final_min = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto table = fresh_table(s, slot_width);
    advanced = 0;
    state.ResumeTiming();
    for (const AckDelta& d : s.deltas) advanced += table->apply(d) ? 1 : 0;
    state.PauseTiming();
    final_min = table->min_time();
    if (table->regressions() != 0) state.SkipWithError("the delta stream regressed the minimal time");
    table.reset();
    state.ResumeTiming();
  }
  set_items_processed(state, static_cast<std::int64_t>(state.iterations() * kDeltas));
  state.counters["advances/delta"] = static_cast<double>(advanced) / kDeltas;
  state.counters["final_min"] = static_cast<double>(final_min);
}

// Args: slot_width, batch.
void BM_AckTableAggregated(benchmark::State& state) {
  const auto slot_width = static_cast<Timestamp>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  const DeltaStream s = make_stream(kDeltas);
  std::uint64_t slots_applied = 0;
  std::uint64_t applies = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto table = fresh_table(s, slot_width);
    DeltaAggregator agg(slot_width, batch);
    slots_applied = 0;
    applies = 0;
    state.ResumeTiming();
    for (const AckDelta& d : s.deltas) {
      for (const AckDelta::Slot& x : d.slots) agg.add(x.slot_ts, x.xor_ids);
      agg.end_delta();
      if (agg.full()) {
        const AckDelta folded = agg.take();
        slots_applied += folded.slots.size();
        ++applies;
        table->apply(folded);
      }
    }
    if (!agg.empty()) table->apply(agg.take());
    state.PauseTiming();
    if (table->regressions() != 0) state.SkipWithError("the delta stream regressed the minimal time");
    table.reset();
    state.ResumeTiming();
  }
  set_items_processed(state, static_cast<std::int64_t>(state.iterations() * kDeltas));
  state.counters["slots/apply"] =
      applies ? static_cast<double>(slots_applied) / static_cast<double>(applies) : 0.0;
}

BENCHMARK(BM_AckTableApplyEach)
    ->ArgNames({"slot_width"})
    ->Arg(1)
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_AckTableAggregated)
    ->ArgNames({"slot_width", "batch"})
    ->Args({1, 16})
    ->Args({1, 256})
    ->Args({1000, 16})
    ->Args({1000, 256})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace flamestream
