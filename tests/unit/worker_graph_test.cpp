// WorkerGraph::ingest_batch against ingest() one line at a time: the same timestamps, the same
// envelopes for each other worker (in another order), the same grouping state and the same releases; and a function
// that throws mid-batch leaves the graph processing normally afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "graphs/catalog.h"
#include "model/errors.h"
#include "runtime/run_stats.h"
#include "runtime/worker_graph.h"

namespace flamestream {
namespace {

struct Released {
  std::vector<std::string> items;     // payload @ meta
  std::vector<std::string> payloads;  // payload only
  ReleaseFn fn() {
    return [this](NodeId, const Item& item) {
      items.push_back(item.payload.to_text() + " @ " + to_string(item.meta));
      payloads.push_back(item.payload.to_text());
    };
  }
};

// What a worker sent elsewhere, per destination, sorted: a batch sends the items that leave before
// reaching a grouping ahead of the windows of earlier lines, so only the order differs.
std::vector<std::vector<std::string>> sent(const Outbox& out) {
  std::vector<std::vector<std::string>> texts(out.size());
  for (std::size_t w = 0; w < out.size(); ++w)
    for (const Envelope& e : out[w])
      texts[w].push_back(std::to_string(e.node) + " " + e.item.payload.to_text() + " @ " + to_string(e.item.meta));
  for (auto& t : texts) std::sort(t.begin(), t.end());
  return texts;
}

std::vector<std::string> state(const WorkerGraph& g) {
  std::vector<std::string> texts;
  for (const auto& [node, item] : g.committed_state(kInfinity))
    texts.push_back(std::to_string(node) + " " + item->payload.to_text() + " @ " + to_string(item->meta));
  return texts;
}

class IngestBatch : public ::testing::Test {
 protected:
  Job job = make_job("wordcount");
  Placement placement = Placement::spread(job.graph, 2);
  NodeId front = job.graph.fronts()[0];
  std::vector<std::string> lines = {"to be or not to be", "be quick", "", "to", "or or or", "not be"};
  static constexpr Timestamp kNow = 1'000'000;

  std::vector<Value> payloads() const {
    std::vector<Value> v;
    for (const auto& l : lines) v.push_back(job.parse(l));
    return v;
  }
};

TEST_F(IngestBatch, MatchesIngestingLineByLine) {
  // Worker 0 hosts the front and half the keys; the sink lives on worker 1, so releases are
  // compared on a single-worker placement below.
  WorkerGraph one_by_one(job.graph, placement, 0, {});
  WorkerGraph batched(job.graph, placement, 0, {});
  Outbox out_a = one_by_one.make_outbox(), out_b = batched.make_outbox();
  std::vector<Timestamp> stamps_a;
  for (Value& p : payloads()) {
    one_by_one.ingest(front, std::move(p), kNow, out_a);
    stamps_a.push_back(one_by_one.front_last_ts(front));
  }
  std::vector<Value> batch = payloads();
  std::vector<Timestamp> stamps_b;
  batched.ingest_batch(front, batch, kNow, out_b, stamps_b);

  EXPECT_EQ(stamps_a, stamps_b);
  ASSERT_FALSE(out_a[1].empty()) << "some words must belong to the other worker";
  EXPECT_EQ(sent(out_a), sent(out_b));
  EXPECT_FALSE(state(batched).empty());
  EXPECT_EQ(state(one_by_one), state(batched));
}

TEST_F(IngestBatch, ReleasesTheSameOnOneWorker) {
  const Placement alone = Placement::spread(job.graph, 1);
  WorkerGraph one_by_one(job.graph, alone, 0, {});
  WorkerGraph batched(job.graph, alone, 0, {});
  Outbox out_a = one_by_one.make_outbox(), out_b = batched.make_outbox();
  for (Value& p : payloads()) one_by_one.ingest(front, std::move(p), kNow, out_a);
  std::vector<Value> batch = payloads();
  std::vector<Timestamp> stamps;
  batched.ingest_batch(front, batch, kNow, out_b, stamps);
  Released a, b;
  one_by_one.on_min_time(kInfinity, a.fn());
  batched.on_min_time(kInfinity, b.fn());
  EXPECT_EQ(a.items.size(), 14u) << "one count per word";
  EXPECT_EQ(a.items, b.items);
}

TEST_F(IngestBatch, AFunctionThrowingMidBatchLeavesTheGraphWorking) {
  const Placement alone = Placement::spread(job.graph, 1);
  WorkerGraph g(job.graph, alone, 0, {});
  Outbox out = g.make_outbox();
  std::vector<Value> bad = {Value("one two"), Value(42)};  // the split needs a string
  std::vector<Timestamp> stamps;
  EXPECT_THROW(g.ingest_batch(front, bad, kNow, out, stamps), ValueError);
  // Items parked before the throw are gone with the batch; later input is processed in full.
  WorkerGraph reference(job.graph, alone, 0, {});
  Outbox ref_out = reference.make_outbox();
  std::vector<Value> good = {Value("two three two")}, same = {Value("two three two")};
  std::vector<Timestamp> s1, s2;
  g.ingest_batch(front, good, kNow + 1000, out, s1);
  reference.ingest_batch(front, same, kNow + 1000, ref_out, s2);
  Released a, b;
  g.on_min_time(kInfinity, a.fn());
  reference.on_min_time(kInfinity, b.fn());
  ASSERT_EQ(b.payloads.size(), 3u);
  EXPECT_EQ(a.payloads, b.payloads) << "the batch after the throw must reach the sink whole";
}

// With several fronts, items straight from a front wait at their grouping until every front has
// passed them, then go in in meta order: one sorted run per front, merged (or, if a run came out
// of order, sorted), so a key's items enter in time order and nothing replays.
class HeldItems : public ::testing::Test {
 protected:
  Job job = make_job("wordcount");
  Placement alone = Placement::spread(job.graph, 1);
  NodeId cycle = job.graph.find("cycle");

  // Word count's mapped item (0|word|1) from `front` at `ts`, as its split emitted it.
  Envelope mapped(const std::string& word, Timestamp ts, FrontId front) const {
    return Envelope{cycle, Item{Value::tuple({0, word, 1}), Meta{GlobalTime{ts, front}, Trace{{0, 0}, {0, 0}}}, false},
                    0};
  }

  // Processes the batches in turn, holding or not, then releases everything.
  std::pair<std::vector<std::string>, std::uint64_t> run(const std::vector<std::vector<Envelope>>& batches,
                                                         bool hold) {
    WorkerGraph::Config config;
    config.hold_front_items = hold;
    WorkerGraph g(job.graph, alone, 0, config);
    Outbox out = g.make_outbox();
    for (const auto& batch : batches) g.process(std::span<const Envelope>(batch), out);
    EXPECT_EQ(g.held(), hold ? 6u : 0u);
    g.release_held(kInfinity, out);
    EXPECT_EQ(g.held(), 0u);
    Released released;
    g.on_min_time(kInfinity, released.fn());
    RunStats stats;
    g.add_event_counters(stats);
    return {released.payloads, stats.replays};
  }
};

TEST_F(HeldItems, TwoFrontsInterleavedGoInInTimeOrder) {
  const std::vector<std::vector<Envelope>> batches = {
      {mapped("a", 10, 2), mapped("b", 15, 2), mapped("a", 30, 2)},
      {mapped("a", 5, 1), mapped("a", 20, 1), mapped("b", 25, 1)}};
  const auto [held, replays] = run(batches, true);
  EXPECT_EQ(held, (std::vector<std::string>{"(1|a|1)", "(1|a|2)", "(1|b|1)", "(1|a|3)", "(1|b|2)", "(1|a|4)"}));
  EXPECT_EQ(replays, 0u) << "held items must enter their groupings in time order";
  const auto [direct, direct_replays] = run(batches, false);
  EXPECT_EQ(direct, held);
  EXPECT_GT(direct_replays, 0u) << "without holding, the later front's items arrive late";
}

TEST_F(HeldItems, AFrontsItemsOutOfOrderAreSortedToo) {
  const std::vector<std::vector<Envelope>> batches = {
      {mapped("a", 20, 1), mapped("a", 5, 1), mapped("b", 25, 1)},
      {mapped("a", 10, 2), mapped("a", 30, 2), mapped("b", 15, 2)}};
  const auto [held, replays] = run(batches, true);
  EXPECT_EQ(held, (std::vector<std::string>{"(1|a|1)", "(1|a|2)", "(1|b|1)", "(1|a|3)", "(1|b|2)", "(1|a|4)"}));
  EXPECT_EQ(replays, 0u);
}

}  // namespace
}  // namespace flamestream
