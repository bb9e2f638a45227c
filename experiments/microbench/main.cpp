// Entry point of flamestream-microbench: the micro-benchmarks of grouping insert (grouping_bench.cpp),
// ack table deltas (ack_table_bench.cpp), sink release (sink_bench.cpp) and page encode/decode
// (codec_bench.cpp), registered by those files.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
