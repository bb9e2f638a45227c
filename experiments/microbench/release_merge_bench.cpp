// Merge of a sink's instances (ReleaseMerge), in items per second: what one merging thread — the
// embedded engine's ReleaseCollector, a cluster's `tail` — can order before it limits a job.
//
// `instances` sink instances each release their share of N items (global time i goes to instance
// hash(i) mod instances, as keys spread over workers), in rounds: every round each instance hands
// over what it released below the round's minimal time, then advances; the merge drains after each
// round. Items carry a trace of 6 local times, as after word count's cycle. Reported: items merged.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "experiments/microbench/released_items.h"
#include "sink/release_merge.h"

namespace flamestream {
namespace {

constexpr std::int64_t kN = 1 << 18;

struct ItemMeta {
  const Meta& operator()(const Item& item) const { return item.meta; }
};

void BM_ReleaseMerge(benchmark::State& state) {
  const auto instances = static_cast<std::size_t>(state.range(0));
  const std::int64_t round = state.range(1);  // items per advance of the minimal time
  const auto by = released_items(instances, kN, Trace{{0, 0}, {0, 0}, {1, 0}, {0, 0}, {0, 0}, {0, 0}});
  std::int64_t merged = 0;
  for (auto _ : state) {
    ReleaseMerge<Item, ByMeta<Item, ItemMeta>> merge(instances);
    std::vector<std::size_t> next(instances, 0);
    for (std::int64_t upto = round; upto < kN + round; upto += round) {
      for (std::size_t w = 0; w < instances; ++w) {
        auto& mine = by[w];
        for (; next[w] < mine.size() && mine[next[w]].meta.time.ts <= static_cast<Timestamp>(upto); ++next[w])
          merge.push(w, mine[next[w]]);
        merge.advance(w, static_cast<Timestamp>(upto + 1));
      }
      merge.drain([&](const Item&) { ++merged; });
    }
  }
  state.SetItemsProcessed(merged);
}
BENCHMARK(BM_ReleaseMerge)->ArgsProduct({{1, 2, 8, 16}, {1024}})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flamestream
