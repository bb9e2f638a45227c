#include "experiments/replay/threaded.h"

#include <chrono>
#include <thread>

#include "front/source.h"
#include "model/errors.h"
#include "runtime/engine/embedded_engine.h"
#include "runtime/engine/wall_clock.h"

namespace flamestream::replay {

namespace {

// Offers line i at start + offered_at[i] (open loop: a late line does not delay the ones after it).
class PacedSource : public Source {
 public:
  PacedSource(const std::vector<std::string>& lines, const std::vector<double>& offered_at)
      : lines_(lines), offered_at_(offered_at) {}
  std::optional<Line> next() override {
    if (next_ == lines_.size()) return std::nullopt;
    if (offered_at_[next_] > 0) {
      const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(offered_at_[next_]));
      std::this_thread::sleep_until(due);
    }
    ++next_;
    return Line{next_, lines_[next_ - 1]};
  }

 private:
  const std::vector<std::string>& lines_;
  const std::vector<double>& offered_at_;
  std::size_t next_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

ThreadedRun run_threaded(const Job& job, std::size_t workers, bool scatter, const EngineConfig& config,
                         const std::vector<std::string>& lines, const std::vector<double>& offered_at,
                         const std::function<void(const Item&)>& release) {
  check_invariant(job.graph.sinks().size() == 1, "the threaded runner observes one sink");
  ThreadedRun result;
  EmbeddedOptions options;
  options.workers = workers;
  options.engine = config;
  options.scatter_forward = scatter;
  options.ingest_batch_lines = 1;  // a line enters the front when it is offered, not when 1024 are
  options.ingest_window = 64;
  // Both observers run on the sink's worker thread only; the result is read after the run.
  options.on_min_time = [&](Timestamp min_ts) {
    if (min_ts == kInfinity) return;
    const Timestamp now = wall_ns();
    result.min_time_lag_ms.push_back(now > min_ts ? static_cast<double>(now - min_ts) / 1e6 : 0.0);
  };
  PacedSource source(lines, offered_at);
  result.stats = run_embedded(job, options, source, [&](NodeId, const Item& item) {
    result.latency_ms.push_back(static_cast<double>(wall_ns() - item.meta.time.ts) / 1e6);
    release(item);
  });
  result.pages = result.stats.messages;
  return result;
}

}  // namespace flamestream::replay
