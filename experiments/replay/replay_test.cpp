// The replay harness: the inverted index against the reference and against an index built directly
// from the documents, the document generator, the config format, and the sweep's acceptance
// properties — barrier ratio exactly 1 without out-of-order arrival, above 1 under heavy jitter,
// simulator runs bit for bit, and every point of the quick config releasing the reference output.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "experiments/replay/docgen.h"
#include "experiments/replay/sweep.h"
#include "graphs/catalog.h"
#include "model/errors.h"
#include "model/reference_executor.h"
#include "runtime/simulator.h"

namespace flamestream::replay {
namespace {

std::vector<std::string> reference_lines(const Job& job, const std::vector<std::string>& lines) {
  std::vector<Value> inputs;
  for (const auto& l : lines) inputs.push_back(job.parse(l));
  std::vector<std::string> out;
  for (const Item& item : run_reference(job.graph, inputs)) {
    out.emplace_back();
    job.format(item.payload, out.back());
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string p;
  while (std::getline(in, p, sep)) parts.push_back(p);
  return parts;
}

// ---- the inverted index ----

TEST(InvertedIndex, ChangeRecordsOfASmallExample) {
  const Job job = make_job("inverted-index");
  const std::vector<std::string> docs = {"7\tThe dog saw the cat.", "9\tA cat", "3\t", "4\tdog dog\r"};
  EXPECT_EQ(reference_lines(job, docs),
            (std::vector<std::string>{"the\t7:0,3\t1", "dog\t7:1\t1", "saw\t7:2\t1", "cat\t7:4\t1",
                                      "a\t9:0\t1", "cat\t9:1\t2", "dog\t4:0,1\t2"}));
}

TEST(InvertedIndex, RejectsLinesWithoutADocid) {
  const Job job = make_job("inverted-index");
  EXPECT_THROW(job.parse("no tab here"), InputError);
  EXPECT_THROW(job.parse("\ttext"), InputError);
  EXPECT_THROW(job.parse("a b\ttext"), InputError);
  EXPECT_NO_THROW(job.parse("doc-1\t"));
}

TEST(InvertedIndex, ChangeRecordsRebuildTheIndexOfTheDocuments) {
  // Fold the released change records into an index, and build the same index straight from the
  // documents: the reduce merged every posting, in document order, with the right frequency.
  const Job job = make_job("inverted-index");
  const auto docs = generate_documents({11, 60, 80, 0.7, 2'000, 1.0});
  std::map<std::string, std::vector<std::string>> from_changes;
  for (const std::string& line : reference_lines(job, docs)) {
    const auto f = split(line, '\t');
    ASSERT_EQ(f.size(), 3u) << line;
    auto& postings = from_changes[f[0]];
    postings.push_back(f[1]);
    EXPECT_EQ(std::to_string(postings.size()), f[2]) << line;
  }
  std::map<std::string, std::vector<std::string>> direct;
  for (const std::string& doc : docs) {
    const std::string id = doc.substr(0, doc.find('\t'));
    std::map<std::string, std::string> positions;
    std::vector<std::string> order;
    std::size_t pos = 0;
    std::string word;
    for (char c : doc.substr(doc.find('\t') + 1) + " ") {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        continue;
      }
      if (word.empty()) continue;
      auto& p = positions[word];
      if (p.empty()) order.push_back(word);
      p += (p.empty() ? "" : ",") + std::to_string(pos++);
      word.clear();
    }
    for (const auto& w : order) direct[w].push_back(id + ":" + positions[w]);
  }
  EXPECT_EQ(from_changes, direct);
  EXPECT_GT(direct.size(), 100u);
}

TEST(InvertedIndex, SimulatorMatchesReferenceAcrossSeedsWorkersAndJitter) {
  const Job job = make_job("inverted-index");
  std::uint64_t replays = 0, tombstones = 0;
  for (std::uint64_t seed = 1; seed <= 25; ++seed) {
    const auto docs = generate_documents({seed, 12, 25, 0.8, 300, 1.0});
    const auto expected = reference_lines(job, docs);
    for (std::size_t workers : {1, 2, 3, 8}) {
      for (Timestamp jitter : {0, 2'000, 200'000}) {
        SimConfig c;
        c.workers = workers;
        c.seed = seed;
        c.jitter_ns = jitter;
        c.scatter_forward = seed % 2 == 1;
        c.depth_first_local = seed % 4 < 2;
        c.ack_flush_deltas = 1 + seed % 16;
        std::size_t next = 0;
        std::vector<std::string> got;
        const RunStats s = simulate(
            job.graph, c,
            [&](NodeId) -> std::optional<Value> {
              if (next == docs.size()) return std::nullopt;
              return job.parse(docs[next++]);
            },
            [&](NodeId, const Item& item) {
              got.emplace_back();
              job.format(item.payload, got.back());
            });
        ASSERT_EQ(got, expected) << "seed " << seed << " workers " << workers << " jitter " << jitter;
        replays += s.replays;
        tombstones += s.tombstones;
      }
    }
  }
  EXPECT_GT(replays, 0u);  // out-of-order arrival did happen
  EXPECT_GT(tombstones, 0u);
}

// ---- the document generator ----

TEST(DocGen, SameSeedSameDocumentsOtherSeedOthers) {
  const DocGenConfig c{5, 30, 100, 0.7, 5'000, 1.0};
  EXPECT_EQ(generate_documents(c), generate_documents(c));
  DocGenConfig other = c;
  other.seed = 6;
  EXPECT_NE(generate_documents(c), generate_documents(other));
}

TEST(DocGen, WordsAreDistinctAndFrequenciesFollowZipf) {
  std::set<std::string> words;
  for (std::size_t r = 0; r < 20'000; ++r) {
    const std::string w = vocabulary_word(r);
    EXPECT_TRUE(words.insert(w).second) << r << " " << w;
  }
  const ZipfSampler zipf(1'000, 1.0);
  std::mt19937_64 rng(3);
  std::vector<int> counts(1'000, 0);
  for (int i = 0; i < 200'000; ++i) ++counts[zipf(rng)];
  // Under Zipf(1), rank 1 is about twice as frequent as rank 2 and ten times rank 10.
  EXPECT_NEAR(static_cast<double>(counts[0]) / counts[1], 2.0, 0.15);
  EXPECT_NEAR(static_cast<double>(counts[0]) / counts[9], 10.0, 1.0);
}

TEST(DocGen, LengthsAreLogNormalAroundTheMedian) {
  const auto docs = generate_documents({9, 2'000, 150, 0.7, 5'000, 1.0});
  std::vector<double> lengths;
  for (const auto& d : docs) lengths.push_back(static_cast<double>(split(d.substr(d.find('\t') + 1), ' ').size()));
  EXPECT_NEAR(percentile(lengths, 50), 150, 12);
  EXPECT_GT(percentile(lengths, 99), 2.5 * 150);  // the heavy right tail
  EXPECT_EQ(docs[0].substr(0, 2), "1\t");
}

// ---- the config ----

TEST(Config, GridsExpandToTheirCartesianProduct) {
  std::istringstream in(
      "# comment\n[a]\nworkers = 1, 2, 3\nrate = 10, 20  # trailing comment\nseed = 1,2\n\n[b]\nengine = threaded\n");
  const auto points = expand(parse_config(in, "t"));
  ASSERT_EQ(points.size(), 13u);
  EXPECT_EQ(points[0].grid, "a");
  EXPECT_EQ(points[1].seed, 2u);  // seeds turn fastest
  EXPECT_EQ(points[2].rate, 20);
  EXPECT_EQ(points[11].workers, 3u);
  EXPECT_EQ(points[12].engine, "threaded");
  EXPECT_EQ(parse_point(repro(points[11])).workers, 3u);
}

TEST(Config, ErrorsNameTheLine) {
  const auto error = [](const std::string& text) {
    std::istringstream in(text);
    try {
      parse_config(in, "cfg");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("[a]\nworkerz = 1\n").substr(0, 33), "cfg:2: unknown key 'workerz' (val");
  EXPECT_EQ(error("[a]\nworkers = 0\n"), "cfg:2: key 'workers' must be a positive integer, got '0'");
  EXPECT_EQ(error("[a]\nengine = flink\n"), "cfg:2: key 'engine': 'flink' is not one of sim, threaded");
  EXPECT_EQ(error("workers = 1\n"), "cfg:1: a key before the first '[name]'");
  EXPECT_EQ(error("[a]\nrate = 1\nrate = 2\n"), "cfg:3: key 'rate' appears twice in grid 'a'");
  EXPECT_EQ(error(""), "cfg: no grid (a '[name]' line and keys below it)");
}

// ---- the sweep's acceptance properties ----

Point sim_point(std::size_t workers, double jitter_us) {
  Point p;
  p.engine = "sim";
  p.workers = workers;
  p.rate = 20;
  p.jitter_us = jitter_us;
  p.docs = 60;
  p.doc_words = 100;
  p.seed = 7;
  return p;
}

TEST(Sweep, BarrierRatioIsExactlyOneWithoutJitterOnOneWorker) {
  Runner runner;
  const Result r = runner.run(sim_point(1, 0));
  ASSERT_TRUE(r.matches) << r.mismatch;
  EXPECT_EQ(r.stats.replays, 0u);
  EXPECT_EQ(r.stats.tombstones, 0u);
  EXPECT_EQ(r.stats.reached_barrier, r.stats.valid_at_barrier);
  EXPECT_EQ(r.barrier_ratio, 1.0);
  EXPECT_EQ(r.docs_in, 60u);
  EXPECT_GT(r.stats.reached_barrier, 1'000u);
  EXPECT_FALSE(r.latency_ms.empty());
}

TEST(Sweep, BarrierRatioExceedsOneUnderHeavyJitter) {
  // Documents spread over the workers (scatter), so the mapped items of one word reach its
  // grouping over different channels and overtake each other.
  Runner runner;
  for (std::size_t workers : {2, 4, 8}) {
    Point p = sim_point(workers, 100'000);
    p.scatter = true;
    const Result r = runner.run(p);
    ASSERT_TRUE(r.matches) << r.mismatch;
    EXPECT_GT(r.barrier_ratio, 1.0) << workers << " workers";
    EXPECT_GT(r.stats.replays, 0u);
    EXPECT_GT(r.stats.tombstones, 0u);
  }
}

TEST(Sweep, OneWorkerNeverSendsAnInvalidItemToTheSink) {
  // On one worker every item of a word crosses the one FIFO channel, in order: whatever the jitter,
  // no mapped item overtakes another. Queued local outputs (depth_first = 0) still let a reduced
  // item come back after the next document's mapped item — replays — but the replayed window is
  // the first to pass the filter, so nothing invalid reaches the sink.
  Runner runner;
  Point p = sim_point(1, 100'000);
  p.depth_first = false;
  const Result r = runner.run(p);
  ASSERT_TRUE(r.matches) << r.mismatch;
  EXPECT_GT(r.stats.replays, 0u);
  EXPECT_EQ(r.barrier_ratio, 1.0);
}

TEST(Sweep, SimulatorRunsAreBitForBit) {
  const auto row_without_wall_time = [](Result r) {
    r.wall_s = 0;
    return csv_row(r);
  };
  Point p = sim_point(4, 30'000);
  p.scatter = true;
  const Result a = Runner().run(p);
  const Result b = Runner().run(p);
  ASSERT_TRUE(a.matches) << a.mismatch;
  EXPECT_EQ(row_without_wall_time(a), row_without_wall_time(b));
  EXPECT_EQ(a.latency_ms, b.latency_ms);
  EXPECT_GT(a.stats.replays, 0u);
  // And the repro column runs the same point again.
  EXPECT_EQ(row_without_wall_time(Runner().run(parse_point(repro(p)))), row_without_wall_time(a));
}

TEST(Sweep, EveryPointOfTheQuickConfigReleasesTheReferenceOutput) {
  std::istringstream in(quick_config());
  const auto points = expand(parse_config(in, "quick"));
  ASSERT_GE(points.size(), 20u);
  Runner runner;
  std::set<std::string> engines, graphs;
  for (const Point& p : points) {
    const Result r = runner.run(p);
    EXPECT_TRUE(r.matches) << repro(p) << ": " << r.mismatch;
    EXPECT_GT(r.output_lines, 0u) << repro(p);
    EXPECT_GE(r.barrier_ratio, 1.0);
    engines.insert(p.engine);
    graphs.insert(p.graph);
  }
  EXPECT_EQ(engines.size(), 2u);
  EXPECT_EQ(graphs.size(), 5u);
}

}  // namespace
}  // namespace flamestream::replay
