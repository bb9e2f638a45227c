#include "runtime/cluster/worker_command.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "runtime/cli/options.h"
#include "runtime/cluster/cluster_state.h"
#include "runtime/cluster/sink_log.h"
#include "runtime/engine/worker_loop.h"

namespace flamestream {

namespace {

std::atomic<bool> g_terminate{false};

extern "C" void on_terminate_signal(int) { g_terminate = true; }

constexpr const char* kControlEndpoint = "inproc://flamestream-worker-control";

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

// Everything one worker process shares between its main thread (running ticks) and its
// supervisor thread (signals, new ticks, progress reports).
struct WorkerState {
  std::string name;
  std::atomic<std::uint64_t> running_tick{0};  // 0: none
  std::atomic<Timestamp> min_time{0};
  std::atomic<bool> acker_here{false};
};

// Stops the running tick when the process is told to terminate or a newer tick names this
// worker, and publishes the acker's progress.
void supervise(std::stop_token quit, ZkClient& zk, zmq::context_t& context, WorkerState& state) {
  zmq::socket_t control(context, zmq::socket_type::dealer);
  control.set(zmq::sockopt::linger, 0);
  control.connect(kControlEndpoint);
  std::uint64_t stopped_tick = 0;
  Timestamp published = 0;
  auto last_check = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  while (!quit.stop_requested()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::uint64_t running = state.running_tick;
    if (running == 0 || running == stopped_tick) continue;
    bool stop = g_terminate.load();
    const auto now = std::chrono::steady_clock::now();
    if (!stop && now - last_check >= std::chrono::milliseconds(200)) {
      last_check = now;
      try {
        auto latest = latest_tick(zk);
        stop = latest && latest->id > running &&
               std::count(latest->spec.workers.begin(), latest->spec.workers.end(), state.name) > 0;
        const Timestamp min_time = state.min_time;
        if (state.acker_here && latest && min_time != published) {
          for (const auto& t : all_ticks(zk))
            if (t.id == running) write_progress(zk, t, {min_time, min_time == kInfinity});
          published = min_time;
        }
      } catch (const std::exception& e) {
        std::cerr << "flamestream worker " << state.name << ": ZooKeeper: " << e.what() << "\n";
      }
    }
    if (!stop) continue;
    control.send(zmq::buffer(wire::encode({running, 0, wire::Stop{}})), zmq::send_flags::none);
    stopped_tick = running;
  }
}

// Waits for a tick newer than `after` that names this worker; nullopt once told to terminate.
std::optional<DeployedTick> next_tick(ZkClient& zk, const std::string& name, std::uint64_t after) {
  while (!g_terminate) {
    const std::uint64_t seen = zk.watch_version();
    auto latest = latest_tick(zk);
    if (latest && latest->id > after &&
        std::count(latest->spec.workers.begin(), latest->spec.workers.end(), name) > 0)
      return latest;
    zk.wait_for_change(seen, std::chrono::milliseconds(200));
  }
  return std::nullopt;
}

std::vector<std::string> endpoints_of(ZkClient& zk, const TickSpec& spec) {
  for (;;) {
    const auto registered = registered_workers(zk);
    std::vector<std::string> endpoints;
    for (const auto& w : spec.workers) {
      auto it = registered.find(w);
      if (it == registered.end()) break;
      endpoints.push_back(it->second);
    }
    if (endpoints.size() == spec.workers.size() || g_terminate) return endpoints;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a peer is (re)starting
  }
}

std::vector<Transport::Incoming> run_tick(const DeployedTick& tick, ZkClient& zk,
                                          Transport& transport, WorkerState& state,
                                          EngineConfig config,
                                          std::vector<Transport::Incoming> backlog) {
  const Job job = make_job(tick.spec.graph, tick.spec.params);
  const Placement placement = tick.spec.placement(job.graph);
  const WorkerId self = tick.spec.worker_id(state.name);
  const auto endpoints = endpoints_of(zk, tick.spec);
  if (endpoints.size() != tick.spec.workers.size()) return backlog;
  transport.connect_peers(endpoints, self);
  std::map<std::string, SinkLog> logs;
  std::map<NodeId, SinkLog*> log_of;
  for (NodeId s : job.graph.sinks())
    if (placement.pinned_host[s] == self) log_of[s] = &logs[job.graph.node(s).name];
  std::string line;
  WorkerLoop::Hooks hooks{
      [&](NodeId sink, const Item& item) {
        line.clear();
        job.format(item.payload, line);
        log_of.at(sink)->append(line);
      },
      [&] {
        for (auto& [name, log] : logs) log.finish();
      },
      [&](const wire::TailRequest& r) {
        auto it = logs.find(r.sink);
        return it == logs.end() ? wire::TailReply{0, {}, true} : it->second.read(r.offset);
      },
      [&](Timestamp t) { state.min_time = t; }};
  config.tick = tick.id;
  state.min_time = 0;
  state.acker_here = placement.acker_host == self;
  WorkerLoop loop(job, placement, self, transport, config, std::move(hooks));
  state.running_tick = tick.id;
  std::cerr << "flamestream worker " << state.name << ": running " << tick.node << " ("
            << tick.spec.graph << ", worker " << self + 1 << " of " << tick.spec.workers.size() << ")\n";
  auto later = loop.run(std::move(backlog));
  state.running_tick = 0;
  return later;
}

}  // namespace

std::string worker_usage() {
  return "usage: flamestream worker --zk HOST:PORT --name NAME --listen ENDPOINT [options]\n"
         "\n"
         "Runs one cluster worker: registers NAME in ZooKeeper (an ephemeral node, gone when the\n"
         "process is), waits for ticks that name it, and runs them. Stops on SIGTERM or SIGINT.\n"
         "\n"
         "options:\n"
         "  --zk HOST:PORT      ZooKeeper connect string (required)\n"
         "  --name NAME         worker name: letters, digits, - and _ (required)\n"
         "  --listen ENDPOINT   where peers and clients reach it, e.g. tcp://127.0.0.1:7001\n"
         "                      (required; use 127.0.0.1 unless other machines must connect)\n"
         "  --data-dir DIR      directory for the worker's files (created if missing)\n"
         "  --batch-us U        send a page after U microseconds at most (default: 100)\n"
         "  --ack-flush-us U    how often acker deltas are sent (default: 1000)\n"
         "  --help              this text\n";
}

int worker_command(const std::vector<std::string>& args) {
  const Options opts(args, {"zk", "name", "listen", "data-dir", "batch-us", "ack-flush-us"}, {"help"});
  if (opts.flag("help")) {
    std::cout << worker_usage();
    return 0;
  }
  const std::string name = opts.value("name", "");
  if (!valid_name(name)) throw UsageError("--name must be 1-64 letters, digits, '-' or '_'");
  const std::string listen = opts.value("listen", "");
  if (listen.empty()) throw UsageError("--listen ENDPOINT is required, e.g. tcp://127.0.0.1:7001");
  if (opts.has("data-dir")) std::filesystem::create_directories(opts.value("data-dir", ""));
  EngineConfig config;
  config.batch_timeout = std::chrono::microseconds(opts.unsigned_value("batch-us", 100));
  config.ack_flush = std::chrono::microseconds(opts.unsigned_value("ack-flush-us", 1000));

  auto zk = connect_zk(opts.value("zk", ""));
  ensure_layout(*zk);
  zk->children_watch(kTicksPath, {});
  zmq::context_t context;
  std::unique_ptr<Transport> transport;
  try {
    transport = std::make_unique<Transport>(context, listen);
    transport->bind_also(kControlEndpoint);
  } catch (const zmq::error_t& e) {
    throw UsageError("cannot listen on '" + listen + "': " + e.what());
  }
  const std::string endpoint = transport->endpoint();
  try {
    zk->create(std::string(kWorkersPath) + "/" + name, endpoint, ZkMode::ephemeral);
  } catch (const ZkError& e) {
    throw UsageError("cannot register worker '" + name + "' (is one with this name running?): " + e.what());
  }
  std::signal(SIGTERM, on_terminate_signal);
  std::signal(SIGINT, on_terminate_signal);
  std::cerr << "flamestream worker " << name << ": listening on " << endpoint << "\n";

  WorkerState state;
  state.name = name;
  std::jthread supervisor([&](std::stop_token quit) { supervise(quit, *zk, context, state); });
  std::vector<Transport::Incoming> backlog;
  std::uint64_t deployed = 0;
  while (auto tick = next_tick(*zk, name, deployed)) {
    backlog = run_tick(*tick, *zk, *transport, state, config, std::move(backlog));
    deployed = tick->id;
  }
  supervisor.request_stop();
  supervisor.join();
  std::cerr << "flamestream worker " << name << ": stopped\n";
  return 0;
}

}  // namespace flamestream
