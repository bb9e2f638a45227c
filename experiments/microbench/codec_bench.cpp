// Batch encode and decode of a page of items (runtime/wire/codec.h), in ns per item.
//
// A page is one wire::ItemBatch of N word-count envelopes as they cross between workers: a
// mapped item (0|word|1) entering the grouping, with the trace of front, split, to-mapped and
// merge (4 local times) and a random ack id. Words are drawn Zipf-like from a synthetic
// vocabulary of 4- to 8-letter words, so most strings stay short as in real text.
//   Encode — wire::encode of the whole Message into flat bytes (a fresh string per page);
//   Decode — wire::decode of those bytes with the validating Limits of a 12-node, 2-worker job.
// Items processed = envelopes; the counter bytes/item is the encoded size per envelope.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "experiments/microbench/items.h"
#include "runtime/wire/codec.h"

namespace flamestream {
namespace {

constexpr std::size_t kNodes = 12;
constexpr NodeId kGroupNode = 4;

std::string word_of(std::uint64_t i) {
  std::string w;
  for (i += 26 * 26; i; i /= 26) w.insert(w.begin(), static_cast<char>('a' + i % 26));
  return w;
}

wire::Message make_page(std::size_t n) {
  std::mt19937_64 rng(42);
  // Zipf(1) over 100 000 ranks, by inverse transform on the harmonic approximation.
  std::uniform_real_distribution<double> u(0.0, 1.0);
  wire::ItemBatch batch;
  batch.envelopes.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto rank = static_cast<std::uint64_t>(std::exp(u(rng) * std::log(100000.0)));
    Envelope e;
    e.node = kGroupNode;
    e.ack_id = rng();
    e.item.payload = Value::tuple({std::int64_t{0}, Value(word_of(rank)), std::int64_t{1}});
    e.item.meta.time = {1'700'000'000'000'000'000ULL + i * 1000, 0};
    e.item.meta.trace = {{0, 0}, {0, static_cast<std::uint32_t>(i % 10)}, {0, 0}, {0, 0}};
    batch.envelopes.push_back(std::move(e));
  }
  return wire::Message{7, 1, std::move(batch)};
}

// Args: envelopes per page.
void BM_EncodeItemBatch(benchmark::State& state) {
  const wire::Message page = make_page(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string encoded = wire::encode(page);
    bytes = encoded.size();
    benchmark::DoNotOptimize(encoded.data());
  }
  set_items_processed(state, static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["bytes/item"] = static_cast<double>(bytes) / static_cast<double>(state.range(0));
}

void BM_DecodeItemBatch(benchmark::State& state) {
  const std::string encoded = wire::encode(make_page(static_cast<std::size_t>(state.range(0))));
  const wire::Limits limits{kNodes, 2};
  for (auto _ : state) {
    wire::Message m = wire::decode(encoded, limits);
    benchmark::DoNotOptimize(&m);
  }
  set_items_processed(state, static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["bytes/item"] =
      static_cast<double>(encoded.size()) / static_cast<double>(state.range(0));
}

BENCHMARK(BM_EncodeItemBatch)->ArgName("n")->Arg(64)->Arg(512)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecodeItemBatch)->ArgName("n")->Arg(64)->Arg(512)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace flamestream
