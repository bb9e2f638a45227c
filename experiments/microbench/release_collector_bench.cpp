// The embedded engine's merge of sink instances end to end (ReleaseCollector), formatted lines as
// `flamestream run` uses it: what the merging thread spends a line, and whether it keeps up.
//
// The benchmark thread plays every worker: each round it releases, for each of `instances`
// workers, the lines that worker's sink released below the round's minimal time (global time i
// goes to worker hash(i) mod instances, as keys spread), then advances it. The merging thread
// orders the lines and appends them to one output buffer. Reported: lines per second end to end,
// and merge_ns: the merging thread's CPU time a line (process CPU minus the benchmark thread's).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <ctime>
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/microbench/released_items.h"
#include "runtime/engine/release_collector.h"

namespace flamestream {
namespace {

constexpr std::int64_t kLines = 1 << 19;

double cpu_seconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void BM_ReleaseCollector(benchmark::State& state) {
  const auto instances = static_cast<std::size_t>(state.range(0));
  const std::int64_t round = state.range(1);  // lines per advance of the minimal time
  const auto by = released_items(instances, kLines, Trace{{0, 0}, {0, 0}, {0, 0}, {0, 0}, {1, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}});
  double merge_cpu = 0;
  std::int64_t lines = 0;
  for (auto _ : state) {
    const double process0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    const double mine0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    std::string out;
    std::int64_t written = 0;
    {
      ReleaseCollector collector(
          instances, [](NodeId, const Item&) {}, {},
          [](const Value& v, std::string& line) {
            line += "word";
            line += '\t';
            v.append_text(line);
          },
          [&](std::string_view lines) {
            out += lines;
            written += static_cast<std::int64_t>(std::count(lines.begin(), lines.end(), '\n'));
            if (out.size() > (1 << 16)) out.clear();
          });
      std::vector<std::size_t> next(instances, 0);
      for (std::int64_t upto = round; upto < kLines + round; upto += round) {
        for (std::size_t w = 0; w < instances; ++w) {
          const auto& mine = by[w];
          for (; next[w] < mine.size() && mine[next[w]].meta.time.ts <= static_cast<Timestamp>(upto); ++next[w])
            collector.release(static_cast<WorkerId>(w), 0, mine[next[w]]);
          collector.advance(static_cast<WorkerId>(w), static_cast<Timestamp>(upto + 1));
        }
      }
      for (std::size_t w = 0; w < instances; ++w) collector.advance(static_cast<WorkerId>(w), kInfinity);
      collector.finish();
    }
    merge_cpu += (cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - process0) - (cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - mine0);
    lines += written;
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(lines);
  state.counters["merge_ns"] = benchmark::Counter(merge_cpu * 1e9 / static_cast<double>(lines));
}
BENCHMARK(BM_ReleaseCollector)->ArgsProduct({{1, 2, 8, 16}, {1024}})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace flamestream
