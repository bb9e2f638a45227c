// PartitionFrontHost replays the same times from a commit's determinant: a run over two
// partitions (multi-line records, an idle promise between two bursts) stamps its lines; a second
// run, started from the determinant at a commit end E in the middle of a record with floor E and
// the first run's directory, stamps every line at or above E with the same time. The times are
// read from word count's released outputs (each carries its input line's time).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <thread>

#include "graphs/catalog.h"
#include "runtime/engine/partition_front_host.h"

namespace flamestream {
namespace {

namespace fs = std::filesystem;

struct Record {
  std::int64_t offset;
  Timestamp ts;
  std::string value;
};

// Records in memory: each partition's first `shown` records, then an end event; the rest only
// once show_all() is called (a second burst).
class MemorySource : public PartitionSource {
 public:
  MemorySource(std::map<std::uint32_t, std::vector<Record>> records, std::size_t shown,
               const std::vector<PartitionStart>& starts)
      : records_(std::move(records)), shown_(shown) {
    for (const auto& s : starts) next_[s.partition] = s.offset;
  }
  void show_all() { shown_ = SIZE_MAX; }
  void poll(std::vector<PartitionEvent>& out, std::size_t) override {
    for (auto& [p, next] : next_) {
      bool any = false;
      for (const Record& r : records_[p])
        if (r.offset >= next && static_cast<std::size_t>(r.offset) < shown_) {
          out.push_back({PartitionEvent::Kind::record, p, r.offset, r.ts, r.value});
          next = r.offset + 1;
          any = true;
        }
      if (any || !ended_[p]) out.push_back({PartitionEvent::Kind::end, p, next, 0, {}});
      ended_[p] = true;
      if (any) ended_[p] = false;
    }
  }
  void pause(std::uint32_t, bool) override {}
  std::optional<std::map<std::uint32_t, std::int64_t>> end_offsets() override {
    std::map<std::uint32_t, std::int64_t> ends;
    for (const auto& [p, rs] : records_) ends[p] = static_cast<std::int64_t>(rs.size());
    return ends;
  }

 private:
  std::map<std::uint32_t, std::vector<Record>> records_;
  std::size_t shown_;
  std::map<std::uint32_t, std::int64_t> next_;
  std::map<std::uint32_t, bool> ended_;
};

class PartitionReplay : public ::testing::Test {
 protected:
  Job job = make_job("wordcount");
  NodeId front = job.graph.fronts()[0];
  Placement placement = [&] {
    Placement p = Placement::spread(job.graph, 1);
    p.partitions.assign(job.graph.nodes().size(), 0);
    p.partitions[front] = 2;
    return p;
  }();
  EngineConfig config;
  fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "partition-front-host-XXXXXX").string();
    return fs::path(mkdtemp(pattern.data()));
  }();
  // Three lines a record, several records in one millisecond: stamps go up by the spacing inside it.
  std::map<std::uint32_t, std::vector<Record>> records = {
      {0, {{0, 5'000'000, "a b\nc\nd e"}, {1, 5'000'000, "f\ng"}, {2, 3'000'000, "h"}, {3, 6'000'000, "i j"}}},
      {1, {{0, 4'000'000, "k"}, {1, 4'000'000, "l\nm\nn"}, {2, 1'000'000, "o p"}, {3, 2'000'000, "q"}}}};

  ~PartitionReplay() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  struct Run {
    std::set<std::pair<Timestamp, FrontId>> times;  // of every released output
    std::vector<wire::FrontDeterminant> determinants;
  };

  // Runs the partitions to their end; `cut` > 0: the records come in two bursts, the determinants
  // at that end are taken after the first, and the second comes after an idle pause long enough
  // for a promise. Otherwise every record is there from the start (a replay: the broker has them).
  Run run(Timestamp committed, const PartitionPositions& positions, Timestamp cut) {
    WorkerGraph graph(job.graph, placement, 0, WorkerGraph::Config{config.slot_width, 1024, 1, true, false});
    Outbox out = graph.make_outbox();
    std::vector<MemorySource*> sources;
    PartitionInput in{front, "test front", false, 1,
                      [&](const std::vector<PartitionStart>& starts) -> std::unique_ptr<PartitionSource> {
                        auto s = std::make_unique<MemorySource>(records, cut > 0 ? 2 : SIZE_MAX, starts);
                        sources.push_back(s.get());
                        return s;
                      }};
    PartitionFrontHost host({job, graph, config, out, [] {}}, {in}, dir, committed, positions);
    Run result;
    auto drain = [&] {
      while (!out[0].empty()) {
        std::vector<Envelope> batch = std::move(out[0]);
        out[0].clear();
        graph.process(batch, out);
      }
    };
    for (int i = 0; i < 3; ++i) host.poll(), drain();
    if (cut > 0) result.determinants = host.determinants(cut);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    host.poll();  // idle: a promise of the wall clock, logged
    for (MemorySource* s : sources) s->show_all();
    for (int i = 0; i < 3 && host.reading(); ++i) host.poll(), drain();
    EXPECT_FALSE(host.reading());
    graph.on_min_time(kInfinity, [&](NodeId, const Item& item) { result.times.insert({item.meta.time.ts, item.meta.time.front}); });
    return result;
  }
};

TEST_F(PartitionReplay, AReplayFromTheDeterminantStampsTheSameTimes) {
  // Partition 0's first record has lines at 5 ms + 0, 100, 200 ns: the end falls after its first.
  const Timestamp end = 5'000'050;
  const Run first = run(0, {}, end);
  ASSERT_EQ(first.determinants.size(), 2u);
  PartitionPositions positions;
  for (const auto& d : first.determinants) positions[{d.front, d.partition - 1}] = {static_cast<std::int64_t>(d.next_seq), d.skip, d.floor};
  EXPECT_EQ(positions.at({front, 0}).offset, 0);
  EXPECT_EQ(positions.at({front, 0}).skip, 1u);
  // The second burst was stamped above the idle promise (the wall clock), far above its records.
  EXPECT_GT(first.times.rbegin()->first, Timestamp{1'000'000'000'000'000'000});
  const Run second = run(end, positions, 0);
  std::set<std::pair<Timestamp, FrontId>> expected;
  for (const auto& t : first.times)
    if (t.first >= end) expected.insert(t);
  EXPECT_EQ(second.times, expected);
}

}  // namespace
}  // namespace flamestream
