#include "runtime/kafka/partition_reader.h"
#include "runtime/cluster/job_store.h"
#include "runtime/cli/worker_command.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "runtime/cli/key_options.h"
#include "runtime/cli/options.h"
#include "runtime/security/curve.h"
#include "runtime/cluster/cluster_state.h"
#include "runtime/cluster/deployment_runner.h"
#include "runtime/cluster/state_transfer.h"
#include "runtime/metrics/metrics_server.h"

namespace flamestream {

namespace {

std::atomic<bool> g_terminate{false};
std::atomic<bool> g_session_expired{false};

extern "C" void on_terminate_signal(int) { g_terminate = true; }

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

// Waits for a tick newer than `after` that names this worker; nullopt once told to terminate.
// Meanwhile it answers state requests: a worker no longer in the mapping still hands its committed
// state over to the new owners.
std::optional<DeployedTick> next_tick(DeploymentContext& d, std::uint64_t after,
                                      std::vector<Transport::Incoming>& backlog) {
  while (!d.state.terminate) {
    try {
      auto latest = latest_tick(d.zk);
      if (latest && latest->id > after &&
          std::count(latest->spec.workers.begin(), latest->spec.workers.end(), d.state.name) > 0)
        return latest;
    } catch (const ZkError& e) {
      std::cerr << "flamestream worker " << d.state.name << ": ZooKeeper: " << e.what() << "\n";
    }
    serve_while_waiting(d.zk, d.transport, d.data_dir, std::chrono::milliseconds(100), backlog);
  }
  return std::nullopt;
}

constexpr auto kWorkerSession = std::chrono::milliseconds(4000);

// Registers `name`. A worker restarted after a crash may find its previous process's registration
// still there until that session expires: it waits that long, not longer.
void register_worker(ZkClient& zk, const std::string& name, const std::string& data) {
  const auto deadline = std::chrono::steady_clock::now() + 3 * kWorkerSession;
  for (;;) {
    try {
      zk.create(std::string(kWorkersPath) + "/" + name, data, ZkMode::ephemeral);
      return;
    } catch (const ZkError& e) {
      if (e.code() == ZkError::kNoAuth) throw;  // not this cluster's key: main says so
      if (e.code() != ZkError::kNodeExists || std::chrono::steady_clock::now() > deadline)
        throw UsageError("cannot register worker '" + name + "' (is one with this name running?): " + e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}


}  // namespace

std::string worker_usage() {
  return "usage: flamestream worker --zk HOST:PORT --name NAME --listen ENDPOINT\n"
         "                          [--key-file FILE | --insecure] [options]\n"
         "\n"
         "Runs one cluster worker: registers NAME in ZooKeeper (an ephemeral node, gone when the\n"
         "process is), waits for ticks that name it, and runs them. Stops on SIGTERM or SIGINT.\n"
         "A process that stalled past its session (4 s) registers again when it resumes and\n"
         "rejoins its ticks through their recovery. Links to the other workers carry heartbeats:\n"
         "one silent for 3 s is logged and shown by `flamestream status`, reconnected every\n"
         "100 ms, and a connection that lost messages starts a recovery from the last commit.\n"
         "\n"
         "options:\n"
         "  --zk HOST:PORT      ZooKeeper connect string (required)\n"
         "  --name NAME         worker name: letters, digits, - and _ (required)\n"
         "  --listen ENDPOINT   where peers and clients reach it, e.g. tcp://127.0.0.1:7001\n"
         "                      (required; use 127.0.0.1 unless other machines must connect)\n"
         "  --data-dir DIR      where the worker keeps ingestion logs, outputs and snapshots\n"
         "                      (and, in jobs/, the job libraries of submitted ticks)\n"
         "                      (created if missing; default: flamestream-data/NAME). A worker\n"
         "                      restarted after a failure must get the same one back.\n"
         "  --batch-us U        send a page after U microseconds at most (default: 100)\n"
         "  --ack-flush-us U    how often acker deltas are sent (default: 1000)\n"
         "  --output-retention-mib M\n"
         "                      keep about M MiB of each sink's output log on disk (default:\n"
         "                      1024; 0 keeps everything). Older lines are freed; `tail` says\n"
         "                      when it asked for lines no longer kept. Exactly-once needs only\n"
         "                      the newest, which are always kept.\n"
         "  --max-line-mib N    its fronts refuse an input line longer than N MiB (default 64,\n"
         "                      at most 1024): the client gets an error naming the line's\n"
         "                      number, and the lines before it stay taken\n"
         "  --metrics ADDRESS   serve metrics in the Prometheus text format at\n"
         "                      http://ADDRESS/metrics; ADDRESS is HOST:PORT or a bare PORT\n"
         "                      (then 127.0.0.1: loopback unless a host is named). Off by\n"
         "                      default. Items in and out per operation, replays, tombstones,\n"
         "                      sink barrier arrivals, releases and depth, acker deltas, the\n"
         "                      minimal time's lag, commits and their durations, fsync time,\n"
         "                      queue depths and recoveries, labelled worker=NAME. The\n"
         "                      address is registered in ZooKeeper (`flamestream top` reads\n"
         "                      it). A port already taken stops the worker at start.\n"
         "  --help              this text\n" +
         key_usage();
}

namespace {

struct WorkerSettings {
  std::string zk;
  std::string name;
  std::string listen;
  std::filesystem::path data_dir;
  EngineConfig config;
  std::uint64_t output_retention_bytes;
  std::optional<ClusterKey> key;  // none: --insecure
  std::string metrics_address;     // empty: no metrics endpoint
  metrics::WorkerMetrics* metrics = nullptr;
};

// Runs the worker for one ZooKeeper session: registers, runs the ticks that name it, and returns
// once told to terminate (false) or once the session expired (true: its registration is gone; the
// other workers of its deployments hold their runs, waiting, until it registers again).
bool run_one_session(const WorkerSettings& w) {
  // A short session: when this process dies, its registration goes within seconds, and that is
  // what starts the recovery of the deployments it ran.
  const ClusterKey* key = w.key ? &*w.key : nullptr;
  auto zk = connect_zk(w.zk, key, kWorkerSession);
  ensure_layout(*zk);
  zk->children_watch(kTicksPath, {});
  zk->on_expired([] { g_session_expired = true; });
  zmq::context_t context;
  // Before the ROUTER binds: no connection may be admitted unasked.
  std::optional<ZapHandler> zap;
  if (key) zap.emplace(context, *key, "flamestream worker " + w.name);
  std::unique_ptr<Transport> transport;
  try {
    transport = std::make_unique<Transport>(context, w.listen, key);
    transport->bind_also(kControlEndpoint);
  } catch (const zmq::error_t& e) {
    throw UsageError("cannot listen on '" + w.listen + "': " + e.what());
  }
  const std::string endpoint = transport->endpoint();
  WorkerState state;
  state.name = w.name;
  state.incarnation = random_id();
  // Links: changes are logged, silence is written for `status` (the supervisor), and a peer's
  // connection that lost messages starts a recovery of the run it belongs to.
  transport->set_log_name("flamestream worker " + w.name);
  transport->on_messages_lost([&state](const std::string& why) { state.request_recovery(why); });
  state.silent_links = [&transport] { return transport->silent_links(); };
  register_worker(*zk, w.name, registration_data({endpoint, state.incarnation, w.metrics_address}));
  std::cerr << "flamestream worker " << w.name << ": listening on " << endpoint << "\n";

  std::jthread supervisor([&](std::stop_token quit) { supervise(quit, *zk, context, state); });
  std::jthread terminate_watch([&](std::stop_token quit) {
    while (!quit.stop_requested() && !g_terminate && !g_session_expired)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    state.terminate = true;
  });
  DeploymentContext deployment{*zk, context, *transport, state, w.config, w.data_dir, w.output_retention_bytes,
                               w.metrics,
                               [](const KafkaFrontSpec& k, const std::vector<PartitionStart>& starts)
                                   -> std::unique_ptr<PartitionSource> {
                                 return std::make_unique<PartitionReader>(k.brokers, k.topic, starts, !k.follow);
                               }};
  std::vector<Transport::Incoming> backlog;
  std::uint64_t deployed = 0;
  while (auto tick = next_tick(deployment, deployed, backlog)) {
    backlog = run_deployment(*tick, deployment, std::move(backlog));
    deployed = tick->id;
  }
  terminate_watch.request_stop();
  supervisor.request_stop();
  supervisor.join();
  return g_session_expired && !g_terminate;
}

}  // namespace

int worker_command(const std::vector<std::string>& args) {
  const Options opts(args, {"zk", "name", "listen", "data-dir", "batch-us", "ack-flush-us", "output-retention-mib",
                            "max-line-mib", "metrics", kKeyFileOption},
                     {"help", kInsecureFlag});
  if (opts.flag("help")) {
    std::cout << worker_usage();
    return 0;
  }
  WorkerSettings w;
  w.zk = opts.value("zk", "");
  w.name = opts.value("name", "");
  if (!valid_name(w.name)) throw UsageError("--name must be 1-64 letters, digits, '-' or '_'");
  w.key = cluster_key(opts);
  w.listen = opts.value("listen", "");
  if (w.listen.empty()) throw UsageError("--listen ENDPOINT is required, e.g. tcp://127.0.0.1:7001");
  w.data_dir = opts.value("data-dir", "flamestream-data/" + w.name);
  std::error_code ec;
  std::filesystem::create_directories(w.data_dir, ec);
  if (ec) throw UsageError("cannot create --data-dir '" + w.data_dir.string() + "': " + ec.message());
  w.config.batch_timeout = std::chrono::microseconds(opts.unsigned_value("batch-us", 100));
  w.config.ack_flush = std::chrono::microseconds(opts.unsigned_value("ack-flush-us", 1000));
  w.output_retention_bytes = opts.unsigned_value("output-retention-mib", 1024) << 20;
  w.config.max_line_bytes = opts.max_line_bytes();
  // Listening before anything else: a taken port stops the worker before it registers.
  metrics::WorkerMetrics worker_metrics(w.name);
  std::optional<metrics::MetricsServer> metrics_server;
  if (opts.has("metrics")) {
    try {
      w.metrics_address = metrics::parse_metrics_address(opts.value("metrics", ""));
      metrics_server.emplace(w.metrics_address, [&] { return worker_metrics.exposition(); });
    } catch (const metrics::MetricsServerError& e) {
      throw UsageError(e.what());
    }
    w.metrics = &worker_metrics;
    std::cerr << "flamestream worker " << w.name << ": metrics at http://" << w.metrics_address << "/metrics\n";
  }
  std::signal(SIGTERM, on_terminate_signal);
  std::signal(SIGINT, on_terminate_signal);
  // A session that expired (a stall longer than its timeout: SIGSTOP, swapping, a paused VM) took
  // the registration with it. Nothing recovers without this process: the other workers of its
  // deployments wait for it. It rejoins as a restarted worker would: a new session, a new
  // incarnation, the same name, endpoint and data; the recovery that its new registration starts
  // brings it back into its deployments.
  // Process-wide, so it outlives each session: job libraries of the ticks are fetched here.
  set_job_cache_dir(w.data_dir / "jobs");
  while (run_one_session(w)) {
    g_session_expired = false;
    std::cerr << "flamestream worker " << w.name
              << ": the ZooKeeper session expired (no word between this process and ZooKeeper for "
                 "longer than its timeout: a stall, or a partition); rejoining with a new session — the "
                 "other workers of its ticks waited for it and recover with it once it is registered\n";
  }
  std::cerr << "flamestream worker " << w.name << ": stopped\n";
  return 0;
}

}  // namespace flamestream
