// How every micro-benchmark reports its work: items per second (Google Benchmark's own counter)
// and, its inverse, the time per item (`per_item`, in ns) — the figure the hot-path targets use.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

namespace flamestream {

// `items`: processed over all iterations of `state`.
inline void set_items_processed(benchmark::State& state, std::int64_t items) {
  state.SetItemsProcessed(items);
  // A rate counter inverted: CPU seconds per item, printed with an SI prefix ("per_item=45.8ns").
  state.counters["per_item"] = benchmark::Counter(static_cast<double>(items),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace flamestream
