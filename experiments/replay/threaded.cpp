#include "experiments/replay/threaded.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include "model/errors.h"
#include "runtime/engine/ingest_client.h"
#include "runtime/engine/worker_loop.h"
#include "runtime/wire/codec.h"

namespace flamestream::replay {

namespace {

Timestamp wall_ns() {
  return static_cast<Timestamp>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
}

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
  static std::atomic<std::size_t> runs{0};
  const std::size_t run = runs++;
  const std::size_t n = workers;
  check_invariant(n > 0 && job.graph.fronts().size() == 1 && job.graph.sinks().size() == 1,
                  "the threaded runner runs one front and one sink");
  zmq::context_t context;
  const Placement placement = Placement::spread(job.graph, n, scatter);
  const WorkerId sink_host = placement.pinned_host[job.graph.sinks()[0]];
  std::vector<std::string> endpoints;
  for (WorkerId w = 0; w < n; ++w)
    endpoints.push_back("inproc://replay-" + std::to_string(run) + "-worker-" + std::to_string(w));

  std::vector<std::unique_ptr<Transport>> transports;
  for (WorkerId w = 0; w < n; ++w) transports.push_back(std::make_unique<Transport>(context, endpoints[w]));
  for (WorkerId w = 0; w < n; ++w) transports[w]->connect_peers(endpoints, w);

  ThreadedRun result;
  std::atomic<std::size_t> finished{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::vector<std::unique_ptr<WorkerLoop>> loops;
  for (WorkerId w = 0; w < n; ++w) {
    WorkerLoop::Hooks hooks;
    hooks.on_all_released = [&] { ++finished; };
    if (w == sink_host) {
      // Both run on the sink's worker thread only; read after join.
      hooks.release = [&](NodeId, const Item& item) {
        result.latency_ms.push_back(static_cast<double>(wall_ns() - item.meta.time.ts) / 1e6);
        release(item);
      };
      hooks.on_min_time = [&](Timestamp min_ts) {
        if (min_ts == kInfinity) return;
        const Timestamp now = wall_ns();
        result.min_time_lag_ms.push_back(now > min_ts ? static_cast<double>(now - min_ts) / 1e6 : 0.0);
      };
    }
    loops.push_back(std::make_unique<WorkerLoop>(job, placement, w, *transports[w], config, std::move(hooks)));
  }
  std::vector<std::thread> threads;
  for (WorkerId w = 0; w < n; ++w) {
    threads.emplace_back([&, w] {
      try {
        loops[w]->run();
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
    });
  }

  std::exception_ptr ingest_failure;
  {
    const NodeId front = job.graph.fronts()[0];
    IngestClient::Options options;
    options.batch_lines = 1;  // a line enters the front when it is offered, not when 1024 are
    options.window = 64;
    IngestClient client(context, endpoints[placement.pinned_host[front]], job.graph.node(front).name,
                        options);
    PacedSource source(lines, offered_at);
    try {
      client.stream(source, [&] { return !failed.load(); });
    } catch (...) {
      ingest_failure = std::current_exception();
    }
  }
  while (!ingest_failure && finished.load() < n && !failed.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));

  {
    zmq::socket_t control(context, zmq::socket_type::dealer);
    control.set(zmq::sockopt::linger, 0);
    for (const auto& e : endpoints) control.connect(e);
    // A DEALER spreads messages round-robin over its connections: one Stop reaches each worker.
    const std::string stop = wire::encode({0, 0, wire::Stop{}});
    for (std::size_t i = 0; i < n; ++i) control.send(zmq::buffer(stop), zmq::send_flags::none);
    for (auto& t : threads) t.join();
  }
  if (failure) std::rethrow_exception(failure);
  if (ingest_failure) std::rethrow_exception(ingest_failure);

  RunStats& stats = result.stats;
  for (const auto& loop : loops) {
    const auto g = loop->graph().grouping_stats();
    const auto s = loop->graph().sink_stats();
    stats.items_in += loop->counters().inputs;
    stats.acker_deltas += loop->counters().acker_deltas;
    stats.replays += g.replays;
    stats.tombstones += g.tombstones;
    stats.reached_barrier += s.arrived;
    stats.valid_at_barrier += s.arrived - s.cancelled;
    stats.items_released += s.released;
    stats.peak_sink_buffer = std::max<std::uint64_t>(stats.peak_sink_buffer, s.peak_buffered);
    stats.grouping_keys += loop->graph().grouping_keys();
    stats.grouping_entries += loop->graph().grouping_entries();
    result.pages += loop->counters().pages_in;
  }
  return result;
}

}  // namespace flamestream::replay
