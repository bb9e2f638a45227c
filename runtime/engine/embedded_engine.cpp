#include "runtime/engine/embedded_engine.h"

#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "model/errors.h"
#include "runtime/engine/ingest_client.h"
#include "runtime/engine/release_collector.h"
#include "runtime/engine/worker_loop.h"
#include "runtime/wire/codec.h"

namespace flamestream {

namespace {

std::string endpoint_of(std::size_t run, WorkerId w) {
  return "inproc://flamestream-" + std::to_string(run) + "-worker-" + std::to_string(w);
}

// Every worker has a socket of its own and one to each worker, and the ingest client one to each
// worker: n·(n+2) sockets, and ZeroMQ opens
// a descriptor for each. Lets the context hold them all (ZeroMQ's default is 1,023: 31 workers),
// raises the process's soft limit on open files towards its hard one if they would not fit, and
// otherwise says what to change instead of failing later with a bare "Too many open files".
void reserve_sockets(zmq::context_t& context, std::size_t workers) {
  constexpr std::size_t kOtherSockets = 8;  // the stop signal's
  constexpr std::size_t kOtherFiles = 64;   // the process's own
  // A worker's own and one to each worker, and the ingest client's to each worker.
  const std::size_t sockets = workers * (workers + 2) + kOtherSockets;
  const std::size_t files_needed = sockets + kOtherFiles;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY &&
      files.rlim_cur < files_needed) {
    files.rlim_cur = files.rlim_max == RLIM_INFINITY ? files_needed
                                                     : std::min<rlim_t>(files.rlim_max, files_needed);
    setrlimit(RLIMIT_NOFILE, &files);
    getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < files_needed)
      throw std::runtime_error(std::to_string(workers) + " workers need about " +
                               std::to_string(files_needed) + " open files, and this process may open " +
                               std::to_string(files.rlim_cur) +
                               " (ulimit -n): use fewer workers or raise the limit");
  }
  context.set(zmq::ctxopt::max_sockets, static_cast<int>(std::max<std::size_t>(sockets, 1023)));
}

RunStats collect(const std::vector<std::unique_ptr<WorkerLoop>>& loops) {
  RunStats stats;
  for (const auto& loop : loops) {
    loop->graph().add_state_counters(stats);
    stats.items_in += loop->counters().inputs;
    stats.messages += loop->counters().pages_in;
    stats.bytes_sent += loop->bytes_sent();
    stats.acker_deltas += loop->counters().acker_deltas;
  }
  return stats;
}

}  // namespace

RunStats run_embedded(const Job& job, const EmbeddedOptions& options, Source& source,
                      const ReleaseFn& release) {
  static std::atomic<std::size_t> runs{0};
  const std::size_t run = runs++;
  const std::size_t n = options.workers;
  check_invariant(n > 0 && job.graph.fronts().size() == 1, "the embedded engine runs one front");
  zmq::context_t context;
  reserve_sockets(context, n);
  const Placement placement = Placement::spread(job.graph, n, options.scatter_forward, options.front_instances);
  std::vector<std::string> endpoints;
  for (WorkerId w = 0; w < n; ++w) endpoints.push_back(endpoint_of(run, w));

  std::vector<std::unique_ptr<Transport>> transports;
  for (WorkerId w = 0; w < n; ++w) transports.push_back(std::make_unique<Transport>(context, endpoints[w]));
  for (WorkerId w = 0; w < n; ++w) transports[w]->connect_peers(endpoints, w);

  ReleaseCollector collector(n, release, options.on_min_time,
                             [&job](const Value& v, std::string& out) { job.format(v, out); },
                             options.release_text);
  std::atomic<std::size_t> finished{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::vector<std::unique_ptr<WorkerLoop>> loops;
  for (WorkerId w = 0; w < n; ++w) {
    WorkerLoop::Hooks hooks;
    hooks.release = [&collector, w](NodeId sink, const Item& item) { collector.release(w, sink, item); };
    hooks.on_min_time = [&collector, w](Timestamp min_ts) { collector.advance(w, min_ts); };
    hooks.on_all_released = [&] { ++finished; };
    loops.push_back(std::make_unique<WorkerLoop>(job, placement, w, *transports[w], options.engine,
                                                 std::move(hooks)));
  }
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (WorkerId w = 0; w < n; ++w) {
    threads.emplace_back([&, w] {
      // Named, so a per-thread profile (top -H, /proc/PID/task) tells the workers apart.
      pthread_setname_np(pthread_self(), ("fs-worker-" + std::to_string(w)).substr(0, 15).c_str());
      try {
        loops[w]->run();
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
    });
  }

  std::optional<InputError> input_error;
  std::exception_ptr client_failure;  // the workers still stop before it goes on
  {
    const NodeId front = job.graph.fronts()[0];
    IngestClient::Options ingest;
    ingest.batch_lines = options.ingest_batch_lines;
    ingest.window = options.ingest_window;
    ingest.on_refused = [&](Timestamp ts) { collector.cut(ts); };
    try {
      std::vector<std::string> instances;
      for (WorkerId w : placement.hosts[front]) instances.push_back(endpoints[w]);
      IngestClient client(context, instances, job.graph.node(front).name, ingest);
      client.stream(source, [&] { return !failed.load(); });
    } catch (const InputError& e) {
      input_error = e;
    } catch (const std::exception&) {
      if (!failed) client_failure = std::current_exception();
    }
  }
  while (!client_failure && finished.load() < n && !failed.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::exception_ptr merge_failure;  // the caller's release threw: still stop the workers first
  try {
    if (!failed && !client_failure) collector.finish();
  } catch (...) {
    merge_failure = std::current_exception();
  }

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
  if (client_failure) std::rethrow_exception(client_failure);
  if (merge_failure) std::rethrow_exception(merge_failure);
  RunStats stats = collect(loops);
  if (input_error) throw *input_error;
  return stats;
}

}  // namespace flamestream
