// The embedded engine (real threads, ZeroMQ inproc://) against the reference executor: every
// catalog graph, seeded random inputs, 1 to 4 workers — released output equal line for line.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "graphs/catalog.h"
#include "model/reference_executor.h"
#include "runtime/engine/embedded_engine.h"

namespace flamestream {
namespace {

constexpr int kSeeds = 150;

std::string input_text(const std::string& graph, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string text;
  const int lines = std::uniform_int_distribution<int>(1, 60)(rng);
  for (int i = 0; i < lines; ++i) {
    if (graph == "wordcount") {
      static const char* words[] = {"dog", "Cat", "emu", "owl", "a-b", "dog!", "the"};
      const int n = std::uniform_int_distribution<int>(0, 8)(rng);
      for (int j = 0; j < n; ++j) text += std::string(words[rng() % 7]) + " ";
    } else {
      text += std::to_string(rng() % 50 + 1);
    }
    text += '\n';
  }
  return text;
}

std::vector<std::string> reference_lines(const Job& job, const std::string& text) {
  std::istringstream in(text);
  StreamSource source(in);
  std::vector<Value> inputs;
  while (auto line = source.next()) inputs.push_back(job.parse(line->text));
  std::vector<std::string> out;
  for (const Item& item : run_reference(job.graph, inputs)) {
    out.emplace_back();
    job.format(item.payload, out.back());
  }
  return out;
}

std::vector<std::string> embedded_lines(const Job& job, const std::string& text,
                                        std::size_t workers, RunStats* stats = nullptr) {
  std::istringstream in(text);
  StreamSource source(in);
  std::vector<std::string> out;
  EmbeddedOptions options;
  options.workers = workers;
  const RunStats s = run_embedded(job, options, source, [&](NodeId, const Item& item) {
    out.emplace_back();
    job.format(item.payload, out.back());
  });
  if (stats) *stats = s;
  return out;
}

class EmbeddedMatchesReference : public testing::TestWithParam<std::string> {};

TEST_P(EmbeddedMatchesReference, SeedsAndWorkerCounts) {
  const Job job = make_job(GetParam());
  for (int seed = 1; seed <= kSeeds; ++seed) {
    const std::string text = input_text(GetParam(), static_cast<std::uint64_t>(seed));
    const auto expected = reference_lines(job, text);
    for (std::size_t workers = 1; workers <= 4; ++workers)
      ASSERT_EQ(embedded_lines(job, text, workers), expected)
          << GetParam() << " seed " << seed << " workers " << workers;
  }
}

INSTANTIATE_TEST_SUITE_P(Catalog, EmbeddedMatchesReference,
                         testing::Values("wordcount", "paper-grouping", "chained-groupings",
                                         "replay-filter"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

TEST(EmbeddedEngine, EmptyInputReleasesNothing) {
  const Job job = make_job("wordcount");
  EXPECT_TRUE(embedded_lines(job, "", 3).empty());
}

TEST(EmbeddedEngine, StatsCountWhatHappened) {
  const Job job = make_job("wordcount");
  RunStats stats;
  const auto out = embedded_lines(job, "a b a\nb a\n", 2, &stats);
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(stats.items_in, 2u);
  EXPECT_EQ(stats.items_released, 5u);
  EXPECT_GE(stats.reached_barrier, stats.items_released);
  EXPECT_GT(stats.acker_deltas, 0u);
}

TEST(EmbeddedEngine, MalformedLineKeepsWhatCameBefore) {
  const Job job = make_job("paper-grouping");
  std::istringstream in("1\n2\nx\n4\n");
  StreamSource source(in);
  std::vector<std::string> out;
  EmbeddedOptions options;
  options.workers = 2;
  try {
    run_embedded(job, options, source, [&](NodeId, const Item& item) {
      out.push_back(item.payload.to_text());
    });
    FAIL() << "a malformed line must raise InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(out, (std::vector<std::string>{"(1)", "(2)"}));
}

}  // namespace
}  // namespace flamestream
