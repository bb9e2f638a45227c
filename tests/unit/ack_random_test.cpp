// Randomized acker protocol: aggregated, reordered deltas never let the minimal time pass a live item.
#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <random>

#include "acker/ack_table.h"
#include "acker/delta_aggregator.h"
#include "front/front.h"

namespace flamestream {
namespace {

constexpr int kSeeds = 500;
constexpr int kMaxDepth = 4;

// What a simulation may do wrong on purpose, to show the checks catch it.
enum class Mutation { none, report_overtakes_registrations, split_delta };

struct Result {
  int violations = 0;     // a live item below the minimal time, or a front able to stamp below it
  int interesting = 0;    // checks with live items and 0 < min time < infinity
  Timestamp final_min = 0;
  std::uint64_t regressions = 0;
};

class AckerSim {
 public:
  AckerSim(std::uint64_t seed, Mutation mutation) : rng_(seed), mutation_(mutation) {
    const std::size_t workers = 1 + rng_() % 4;
    const Timestamp widths[] = {1, 2, 5, 16};
    slot_width_ = widths[rng_() % 4];
    for (std::size_t w = 0; w < workers; ++w) aggs_.emplace_back(slot_width_, 1 + rng_() % 8);
    channels_.resize(workers);
    std::vector<FrontId> ids;
    const FrontId front_count = static_cast<FrontId>(1 + rng_() % 3);
    for (FrontId f = 0; f < front_count; ++f) {
      fronts_.emplace_back(f);
      roots_left_.push_back(static_cast<int>(rng_() % 15));
      ids.push_back(f);
    }
    table_.emplace(ids, slot_width_);
  }

  Result run() {
    while (!finished()) {
      switch (rng_() % 6) {
        case 0: emit_or_close(rng_() % fronts_.size()); break;
        case 1: if (!live_.empty()) process(rng_() % live_.size()); break;
        case 2: flush(rng_() % aggs_.size()); break;
        case 3: deliver_one(); break;
        case 4: heartbeat(rng_() % fronts_.size()); break;
        case 5: clock_ += rng_() % 4; break;
      }
    }
    for (std::size_t w = 0; w < aggs_.size(); ++w) flush(w);
    while (deliver_one()) {
    }
    result_.final_min = table_->min_time();
    result_.regressions = table_->regressions();
    return result_;
  }

 private:
  struct Live {
    Timestamp ts;
    std::uint64_t id;
    std::size_t worker;  // where it will be processed
    int depth;
  };

  std::size_t host(FrontId f) const { return f % aggs_.size(); }
  std::size_t any_worker() { return rng_() % aggs_.size(); }
  bool finished() const {
    if (!live_.empty()) return false;
    for (const Front& f : fronts_)
      if (!f.closed()) return false;
    return true;
  }

  void send_report(FrontId f, Timestamp next_ts) {
    if (mutation_ == Mutation::report_overtakes_registrations) {
      table_->apply(AckDelta{{}, {{f, next_ts}}});
      check();
    } else {
      aggs_[host(f)].report(f, next_ts);
    }
  }

  void emit_or_close(std::size_t f) {
    Front& front = fronts_[f];
    if (front.closed()) return;
    if (roots_left_[f] == 0) {
      front.close();
      send_report(front.id(), kInfinity);
      return;
    }
    --roots_left_[f];
    const GlobalTime time = front.stamp(clock_);
    if (time.ts < table_->min_time()) ++result_.violations;
    const std::uint64_t id = rng_();
    DeltaAggregator& agg = aggs_[host(front.id())];
    agg.add(time.ts, id);
    agg.end_delta();
    live_.push_back({time.ts, id, any_worker(), 0});
    send_report(front.id(), front.next_ts(clock_));
    if (agg.full()) flush(host(front.id()));
  }

  void heartbeat(std::size_t f) {
    if (!fronts_[f].closed()) send_report(fronts_[f].id(), fronts_[f].next_ts(clock_));
  }

  // The worker acks the item and registers its children in one delta.
  void process(std::size_t i) {
    const Live item = live_[i];
    live_[i] = live_.back();
    live_.pop_back();
    DeltaAggregator& agg = aggs_[item.worker];
    agg.add(item.ts, item.id);
    if (mutation_ == Mutation::split_delta) {
      agg.end_delta();
      flush(item.worker);
    }
    const int children = item.depth < kMaxDepth ? static_cast<int>(rng_() % 4) : 0;
    for (int c = 0; c < children; ++c) {
      const Live child{item.ts + rng_() % 6, rng_(), any_worker(), item.depth + 1};
      agg.add(child.ts, child.id);
      live_.push_back(child);
    }
    agg.end_delta();
    if (agg.full()) flush(item.worker);
  }

  void flush(std::size_t w) {
    if (!aggs_[w].empty()) channels_[w].push_back(aggs_[w].take());
  }

  // Delivers the oldest message of a random worker's channel (FIFO per worker).
  bool deliver_one() {
    std::vector<std::size_t> ready;
    for (std::size_t w = 0; w < channels_.size(); ++w)
      if (!channels_[w].empty()) ready.push_back(w);
    if (ready.empty()) return false;
    auto& channel = channels_[ready[rng_() % ready.size()]];
    const Timestamp before = table_->min_time();
    table_->apply(channel.front());
    channel.pop_front();
    EXPECT_GE(table_->min_time(), before);
    check();
    return true;
  }

  void check() {
    const Timestamp min = table_->min_time();
    for (const Live& item : live_)
      if (item.ts < min) ++result_.violations;
    for (const Front& f : fronts_)
      if (f.next_ts(clock_) < min) ++result_.violations;
    if (!live_.empty() && min > 0 && min != kInfinity) ++result_.interesting;
  }

  std::mt19937_64 rng_;
  Mutation mutation_;
  Timestamp slot_width_ = 1;
  Timestamp clock_ = 1;
  std::vector<DeltaAggregator> aggs_;
  std::vector<std::deque<AckDelta>> channels_;
  std::vector<Front> fronts_;
  std::vector<int> roots_left_;
  std::optional<AckTable> table_;
  std::vector<Live> live_;
  Result result_;
};

TEST(AckerRandom, MinimalTimeNeverPassesALiveItemAndEndsAtInfinity) {
  int interesting = 0;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    const Result r = AckerSim(static_cast<std::uint64_t>(seed), Mutation::none).run();
    ASSERT_EQ(r.violations, 0) << "seed " << seed;
    ASSERT_EQ(r.final_min, kInfinity) << "seed " << seed;
    ASSERT_EQ(r.regressions, 0u) << "seed " << seed;
    interesting += r.interesting;
  }
  EXPECT_GT(interesting, 1000);  // the checks ran while the minimal time was really in play
}

// The checks above can fail: the two protocol mistakes DESIGN.md §5 warns about are caught.
TEST(AckerRandom, ReportsOvertakingRegistrationsAreCaught) {
  int violations = 0;
  for (int seed = 1; seed <= kSeeds; ++seed)
    violations += AckerSim(static_cast<std::uint64_t>(seed), Mutation::report_overtakes_registrations)
                      .run()
                      .violations;
  EXPECT_GT(violations, 0);
}

TEST(AckerRandom, SplitDeltasAreCaught) {
  int violations = 0;
  for (int seed = 1; seed <= kSeeds; ++seed)
    violations += AckerSim(static_cast<std::uint64_t>(seed), Mutation::split_delta).run().violations;
  EXPECT_GT(violations, 0);
}

}  // namespace
}  // namespace flamestream
