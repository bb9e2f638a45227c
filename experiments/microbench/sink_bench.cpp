// Sink barrier throughput (SinkBarrier::on_item + release), in items per second.
//
// N items with increasing metas (global time i, traces of 6 local times, as after front, map,
// grouping, filter, map, merge) reach the sink and are released as the minimal time advances:
//   BufferThenRelease — all N buffered first, then released in chunks of `chunk` timestamps;
//   Streaming         — arrival and release interleaved: after each chunk of arrivals the minimal
//                       time moves to the start of that chunk, so at most two chunks are buffered;
//   StreamingTombstones — as Streaming, but every 10th item is followed, a few items later, by
//                       the tombstone that cancels it (as a replay would send);
//   Interleaved       — as Streaming, but the items come from `sources` workers, each in meta
//                       order, in pages of 64 that alternate between them (a cluster's sink).
// Items processed = arrivals (items + tombstones). Releases go to a callback that only counts.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "experiments/microbench/items.h"
#include "sink/sink_barrier.h"

namespace flamestream {
namespace {

constexpr std::int64_t kN = 1 << 16;

Item make_item(std::int64_t i) {
  Item item;
  item.payload = Value(i * 7);
  item.meta.time = {static_cast<Timestamp>(i + 1), 0};
  item.meta.trace = {{0, 0}, {0, 0}, {1, 0}, {0, 0}, {0, 0}, {0, static_cast<std::uint32_t>(i % 2)}};
  return item;
}

// Arrivals in order; with `tombstone_every` > 0, every such item is cancelled `lag` arrivals later.
std::vector<Item> make_arrivals(std::int64_t n, std::int64_t tombstone_every, std::int64_t lag) {
  std::vector<Item> out;
  out.reserve(static_cast<std::size_t>(n + (tombstone_every ? n / tombstone_every + 1 : 0)));
  std::vector<std::pair<std::int64_t, Item>> pending;  // (due index, tombstone)
  for (std::int64_t i = 0; i < n; ++i) {
    Item item = make_item(i);
    if (tombstone_every && i % tombstone_every == 0) {
      Item t = item;
      t.tombstone = true;
      pending.emplace_back(i + lag, std::move(t));
    }
    out.push_back(std::move(item));
    while (!pending.empty() && pending.front().first <= i) {
      out.push_back(std::move(pending.front().second));
      pending.erase(pending.begin());
    }
  }
  for (auto& [due, t] : pending) out.push_back(std::move(t));
  return out;
}

// A release callback that only counts.
std::function<void(const Item&)> counting(std::uint64_t& released) {
  return [&released](const Item& item) {
    benchmark::DoNotOptimize(&item);
    ++released;
  };
}

// Args: n, chunk.
void BM_SinkBufferThenRelease(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const auto chunk = static_cast<Timestamp>(state.range(1));
  const std::vector<Item> arrivals = make_arrivals(n, 0, 0);
  std::uint64_t released = 0;
  const std::function<void(const Item&)> emit = counting(released);
  for (auto _ : state) {
    SinkBarrier sink;
    for (const Item& item : arrivals) sink.on_item(item);
    for (Timestamp t = chunk; t <= static_cast<Timestamp>(n) + chunk; t += chunk) sink.release(t, emit);
    if (sink.buffered() != 0) state.SkipWithError("items left in the sink");
  }
  set_items_processed(state, static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(arrivals.size()));
  benchmark::DoNotOptimize(released);
}

void streaming(benchmark::State& state, std::int64_t tombstone_every) {
  const std::int64_t n = state.range(0);
  const auto chunk = static_cast<std::size_t>(state.range(1));
  const std::vector<Item> arrivals = make_arrivals(n, tombstone_every, 3);
  std::uint64_t released = 0;
  std::size_t peak = 0;
  const std::function<void(const Item&)> emit = counting(released);
  for (auto _ : state) {
    SinkBarrier sink;
    released = 0;
    // The minimal time trails by one chunk, and never passes a pending tombstone (lag 3 < chunk).
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
      sink.on_item(arrivals[i]);
      if ((i + 1) % chunk == 0 && i + 1 >= 2 * chunk)
        sink.release(arrivals[i + 1 - chunk].meta.time.ts, emit);
    }
    sink.release(kInfinity, emit);
    peak = sink.stats().peak_buffered;
  }
  set_items_processed(state, static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(arrivals.size()));
  state.counters["released/iter"] = static_cast<double>(released);
  state.counters["peak_buffered"] = static_cast<double>(peak);
}

// Args: n, sources. Item i belongs to source i % sources; pages of 64 per source, round robin.
void BM_SinkInterleaved(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const auto sources = static_cast<std::size_t>(state.range(1));
  constexpr std::size_t kPage = 64;
  std::vector<std::vector<Item>> by_source(sources);
  for (std::int64_t i = 0; i < n; ++i) by_source[static_cast<std::size_t>(i) % sources].push_back(make_item(i));
  std::vector<Item> arrivals;
  for (std::size_t page = 0; arrivals.size() < static_cast<std::size_t>(n); ++page)
    for (auto& source : by_source)
      for (std::size_t k = page * kPage; k < std::min(source.size(), (page + 1) * kPage); ++k)
        arrivals.push_back(source[k]);
  std::uint64_t released = 0;
  const std::function<void(const Item&)> emit = counting(released);
  for (auto _ : state) {
    SinkBarrier sink;
    // The minimal time trails the arrivals by four pages of every source.
    const std::size_t lag = 4 * kPage * sources;
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
      sink.on_item(arrivals[i]);
      if ((i + 1) % kPage == 0 && i >= lag) sink.release(static_cast<Timestamp>(i - lag), emit);
    }
    sink.release(kInfinity, emit);
    if (sink.buffered() != 0) state.SkipWithError("items left in the sink");
  }
  set_items_processed(state, static_cast<std::int64_t>(state.iterations()) * n);
}

void BM_SinkStreaming(benchmark::State& state) { streaming(state, 0); }
void BM_SinkStreamingTombstones(benchmark::State& state) { streaming(state, 10); }

BENCHMARK(BM_SinkBufferThenRelease)
    ->ArgNames({"n", "chunk"})
    ->Args({kN, 64})
    ->Args({kN, 4096})
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_SinkStreaming)
    ->ArgNames({"n", "chunk"})
    ->Args({kN, 64})
    ->Args({kN, 4096})
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_SinkInterleaved)
    ->ArgNames({"n", "sources"})
    ->Args({kN, 1})
    ->Args({kN, 3})
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_SinkStreamingTombstones)
    ->ArgNames({"n", "chunk"})
    ->Args({kN, 64})
    ->Args({kN, 4096})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flamestream
