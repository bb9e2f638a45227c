// The embedded engine (real threads, ZeroMQ inproc://) against the reference executor: every
// catalog graph, seeded random inputs, 1 to 4 workers — released output equal line for line.
#include <gtest/gtest.h>

#include <memory>

#include "runtime/engine/embedded_engine.h"
#include "tests/support/catalog_cases.h"
#include "tests/support/text_source.h"

namespace flamestream {
namespace {

constexpr int kSeeds = 150;

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

// Lines of a text that are not all there at once: every `every`-th time it is asked, the next line
// is not ready yet, so the ingest client sends the batch it holds (as with a live stream).
class HesitantSource : public Source {
 public:
  HesitantSource(const std::string& text, std::size_t every)
      : lines_(test_support::text_source(text)), every_(every) {}
  std::optional<Line> next() override { return lines_->next(); }
  bool ready() override { return every_ == 0 || ++asked_ % every_ != 0; }

 private:
  std::unique_ptr<Source> lines_;
  std::size_t every_;
  std::size_t asked_ = 0;
};

// `hesitate_every`: 0 for a text that is all there; else see HesitantSource.
// `fronts`: front instances (0: one on every worker).
std::vector<std::string> embedded_lines(const Job& job, const std::string& text,
                                        std::size_t workers, RunStats* stats = nullptr,
                                        std::size_t hesitate_every = 0, std::size_t fronts = 1) {
  HesitantSource source(text, hesitate_every);
  std::vector<std::string> out;
  EmbeddedOptions options;
  options.workers = workers;
  options.front_instances = fronts;
  options.ingest_batch_lines = 16;  // rounds of a few lines: several per input
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
    const auto lines = test_support::input_lines(GetParam(), static_cast<std::uint64_t>(seed));
    const auto expected = test_support::reference_output(job, lines);
    const std::string text = joined(lines);
    // Odd seeds: the lines come in batches of a few, as from a live stream.
    const std::size_t hesitate = seed % 2 ? 2 + static_cast<std::size_t>(seed) % 5 : 0;
    // Every third seed: a front instance on every worker, the input dealt out over them.
    const std::size_t fronts = seed % 3 == 0 ? 0 : 1;
    for (std::size_t workers = 1; workers <= 4; ++workers)
      ASSERT_EQ(embedded_lines(job, text, workers, nullptr, hesitate, fronts), expected)
          << GetParam() << " seed " << seed << " workers " << workers << " hesitating every "
          << hesitate << " front instances " << (fronts ? 1 : workers);
  }
}

INSTANTIATE_TEST_SUITE_P(Catalog, EmbeddedMatchesReference, test_support::catalog_graphs(),
                         test_support::graph_test_name);

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
  const auto source = test_support::text_source("1\n2\nx\n4\n");
  std::vector<std::string> out;
  EmbeddedOptions options;
  options.workers = 2;
  try {
    run_embedded(job, options, *source, [&](NodeId, const Item& item) {
      out.push_back(item.payload.to_text());
    });
    FAIL() << "a malformed line must raise InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(out, (std::vector<std::string>{"(1)", "(2)"}));
}

TEST(EmbeddedEngine, AMalformedLineAmongSeveralFrontsEndsTheOutputExactlyBeforeIt) {
  // Lines after the bad one reach other front instances and are processed there; none of their
  // output may be released, and everything before the bad line must be.
  const Job job = make_job("chained-groupings");
  std::string text;
  std::vector<std::string> before;
  for (int i = 1; i <= 500; ++i) {
    text += std::to_string(i) + "\n";
    before.push_back(std::to_string(i));
  }
  text += "x\n";
  for (int i = 502; i <= 900; ++i) text += std::to_string(i) + "\n";
  for (std::size_t fronts : {std::size_t{1}, std::size_t{0}}) {
    const auto source = test_support::text_source(text);
    std::vector<std::string> out;
    EmbeddedOptions options;
    options.workers = 3;
    options.front_instances = fronts;
    options.ingest_batch_lines = 7;
    try {
      run_embedded(job, options, *source, [&](NodeId, const Item& item) {
        out.emplace_back();
        job.format(item.payload, out.back());
      });
      FAIL() << "a malformed line must raise InputError";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("input line 501"), std::string::npos) << e.what();
    }
    EXPECT_EQ(out, test_support::reference_output(job, before)) << "front instances " << fronts;
  }
}

TEST(EmbeddedEngine, ASourceThatFailsToReadEndsTheRunWithWhatItGave) {
  // Two lines, then a read error: the run must end (not wait for the rest of the input), release
  // what the two lines made, and raise the error.
  class FailingSource : public Source {
   public:
    std::optional<Line> next() override {
      if (++lines_ > 2) throw InputError("reading the test source failed after line 2");
      return Line{lines_, "a b"};
    }

   private:
    std::uint64_t lines_ = 0;
  };
  const Job job = make_job("wordcount");
  FailingSource source;
  std::vector<std::string> out;
  EmbeddedOptions options;
  options.workers = 2;
  try {
    run_embedded(job, options, source, [&](NodeId, const Item& item) {
      out.emplace_back();
      job.format(item.payload, out.back());
    });
    FAIL() << "a read error must raise InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("after line 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(out, (std::vector<std::string>{"a\t1", "b\t1", "a\t2", "b\t2"}));
}

}  // namespace
}  // namespace flamestream
