// Grouping insert throughput (GroupingState::on_item), in items per second.
//
// N integer items with increasing global times are spread round-robin over K keys and fed to a
// fresh grouping of window w:
//   InOrder        — in meta order: every item lands at the tail of its bucket (no replay);
//   Reversed       — in reverse meta order: every item lands at the head of its bucket, so each
//                    insert cancels (tombstones) and replays the w−1 windows after it, and the
//                    bucket vector shifts all its entries;
//   InOrderTrimmed — in meta order with on_min_time every `trim_every` items, the minimal time
//                    lagging one trim period behind: the realistic steady state, buckets stay small.
//   RandomKeysTrimmed — the same with each item's key drawn at random: with 100 k keys the state
//                    is far larger than the caches, as in word count, so memory latency shows.
//   LaggingMinTime — in meta order, on_min_time every `trim_every` items but lagging `lag` items
//                    behind: what a grouping does while the minimal time falls behind under load.
//                    Each trim drops a final prefix from buckets that still hold many live entries;
//                    the cost per item must not grow with the lag.
// The outputs (windows and tombstones) are produced into a reused vector and dropped; building
// them is part of the measured cost. Counters: windows/replays/tombstones per input item.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "experiments/microbench/items.h"
#include "model/grouping.h"

namespace flamestream {
namespace {

struct GroupingInput {
  GroupingOp op;
  std::vector<Item> items;  // in meta order
};

// Item i's payload is i (keys round-robin) or, with `random_keys`, a pseudo-random number (keys
// drawn uniformly, the same sequence every run).
GroupingInput make_input(std::int64_t n, std::int64_t keys, std::size_t window, bool random_keys = false) {
  GroupingInput in;
  in.op.window = window;
  in.op.key = [keys](const Value& v) { return Value(v.as_int() % keys); };
  in.items.reserve(static_cast<std::size_t>(n));
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  for (std::int64_t i = 0; i < n; ++i) {
    Item item;
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    item.payload = random_keys ? Value(static_cast<std::int64_t>(state >> 33)) : Value(i);
    item.meta.time = {static_cast<Timestamp>(i + 1), 0};
    item.meta.trace = {{0, 0}, {0, 0}};  // front + one stateless hop, as in word count
    in.items.push_back(std::move(item));
  }
  return in;
}

void report(benchmark::State& state, const GroupingState::Stats& s, std::size_t per_iter) {
  const auto items = static_cast<double>(state.iterations()) * static_cast<double>(per_iter);
  set_items_processed(state, static_cast<std::int64_t>(items));
  // Stats are per last iteration; every iteration is the same run.
  const auto n = static_cast<double>(per_iter);
  state.counters["windows/item"] = static_cast<double>(s.windows) / n;
  state.counters["replays/item"] = static_cast<double>(s.replays) / n;
  state.counters["tombstones/item"] = static_cast<double>(s.tombstones) / n;
}

// Args: keys, window, n.
void BM_GroupingInOrder(benchmark::State& state) {
  const GroupingInput in = make_input(state.range(2), state.range(0),
                                      static_cast<std::size_t>(state.range(1)));
  std::vector<Output> out;
  out.reserve(16);
  GroupingState::Stats stats;
  for (auto _ : state) {
    auto g = std::make_unique<GroupingState>(in.op);
    for (const Item& item : in.items) {
      g->on_item(item, out);
      benchmark::DoNotOptimize(out.data());
      out.clear();
    }
    state.PauseTiming();
    stats = g->stats();
    g.reset();  // freeing the buckets is not part of inserting
    state.ResumeTiming();
  }
  report(state, stats, in.items.size());
}

void BM_GroupingReversed(benchmark::State& state) {
  const GroupingInput in = make_input(state.range(2), state.range(0),
                                      static_cast<std::size_t>(state.range(1)));
  std::vector<Output> out;
  out.reserve(16);
  GroupingState::Stats stats;
  for (auto _ : state) {
    auto g = std::make_unique<GroupingState>(in.op);
    for (auto it = in.items.rbegin(); it != in.items.rend(); ++it) {
      g->on_item(*it, out);
      benchmark::DoNotOptimize(out.data());
      out.clear();
    }
    state.PauseTiming();
    stats = g->stats();
    g.reset();
    state.ResumeTiming();
  }
  report(state, stats, in.items.size());
}

// Args: keys, window, n, trim_every; the minimal time lags `lag` items behind.
void run_trimmed(benchmark::State& state, bool random_keys, std::size_t lag) {
  const GroupingInput in = make_input(state.range(2), state.range(0),
                                      static_cast<std::size_t>(state.range(1)), random_keys);
  const auto trim_every = static_cast<std::size_t>(state.range(3));
  std::vector<Output> out;
  out.reserve(16);
  GroupingState::Stats stats;
  std::size_t entries = 0;
  for (auto _ : state) {
    auto g = std::make_unique<GroupingState>(in.op);
    for (std::size_t i = 0; i < in.items.size(); ++i) {
      g->on_item(in.items[i], out);
      benchmark::DoNotOptimize(out.data());
      out.clear();
      // Minimal time `lag` items behind the newest item: everything before it is final.
      if ((i + 1) % trim_every == 0 && i + 1 >= trim_every + lag)
        g->on_min_time(in.items[i + 1 - lag].meta.time.ts);
    }
    state.PauseTiming();
    stats = g->stats();
    entries = g->entry_count();
    g.reset();
    state.ResumeTiming();
  }
  report(state, stats, in.items.size());
  state.counters["entries_at_end"] = static_cast<double>(entries);
}

// The minimal time one trim period behind.
void BM_GroupingInOrderTrimmed(benchmark::State& state) {
  run_trimmed(state, false, static_cast<std::size_t>(state.range(3)));
}
void BM_GroupingRandomKeysTrimmed(benchmark::State& state) {
  run_trimmed(state, true, static_cast<std::size_t>(state.range(3)));
}
// Args: keys, window, n, trim_every, lag.
void BM_GroupingLaggingMinTime(benchmark::State& state) {
  run_trimmed(state, false, static_cast<std::size_t>(state.range(4)));
}

constexpr std::int64_t kN = 1 << 16;

BENCHMARK(BM_GroupingInOrder)
    ->ArgNames({"keys", "w", "n"})
    ->Args({1000, 2, kN})
    ->Args({1000, 3, kN})
    ->Args({1, 2, kN})
    ->Args({1, 3, kN})
    ->Unit(benchmark::kMillisecond);

// One key reversed is quadratic in n (each head insert shifts the whole bucket vector): measured at
// two sizes to show it. n = 65536 on one key takes ~13 s an iteration, so it is left out.
BENCHMARK(BM_GroupingReversed)
    ->ArgNames({"keys", "w", "n"})
    ->Args({1000, 2, kN})
    ->Args({1000, 3, kN})
    ->Args({1, 2, 1 << 12})
    ->Args({1, 3, 1 << 12})
    ->Args({1, 2, 1 << 14})
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_GroupingInOrderTrimmed)
    ->ArgNames({"keys", "w", "n", "trim_every"})
    ->Args({1000, 2, kN, 1024})
    ->Args({1000, 3, kN, 1024})
    ->Args({1, 2, kN, 1024})
    ->Args({1, 3, kN, 1024})
    ->Args({1000, 3, kN, 64})
    ->Unit(benchmark::kMillisecond);

// One hot key (word count's "the" is ~8 % of all words), 64 and 4,096 keys, the minimal time
// advanced every 64 items and lagging 64 to 8,192 items behind. With many keys the lag also decides
// how many keys hold live entries when the minimal time advances.
BENCHMARK(BM_GroupingLaggingMinTime)
    ->ArgNames({"keys", "w", "n", "trim_every", "lag"})
    ->Args({1, 2, kN, 64, 256})
    ->Args({1, 2, kN, 64, 8192})
    ->Args({64, 2, kN, 64, 8192})
    ->Args({4096, 2, kN, 64, 8192})
    ->Args({4096, 2, kN, 64, 64})
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_GroupingRandomKeysTrimmed)
    ->ArgNames({"keys", "w", "n", "trim_every"})
    ->Args({100000, 2, 1 << 20, 4096})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flamestream
