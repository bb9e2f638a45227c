#include "experiments/wordcount/cluster_client.h"

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

#include <zmq.hpp>

#include "runtime/cli/tail_client.h"
#include "runtime/cluster/cluster_state.h"
#include "runtime/engine/ingest_client.h"

namespace wordcount_bench {

namespace fs = flamestream;

std::size_t run_cluster(const std::string& zk_hosts, double tail_poll_us, std::size_t ingest_batch,
                        fs::Source& source,
                        const std::function<void(const std::vector<std::string>&)>& on_lines) {
  // The benchmark's cluster runs --insecure (experiments/wordcount/bench): the recorded figures
  // are without CURVE.
  auto zk = fs::connect_zk(zk_hosts, nullptr);
  const auto tick = fs::latest_tick(*zk);
  if (!tick) throw std::runtime_error("no tick has been submitted");
  const auto workers = fs::registered_workers(*zk);
  // The endpoints of every instance of `node`.
  auto endpoints = [&](const std::map<std::string, std::vector<std::string>>& hosts, const std::string& node) {
    const auto host = hosts.find(node);
    if (host == hosts.end()) throw std::runtime_error("the tick has no node '" + node + "'");
    std::vector<std::string> found;
    for (const std::string& name : host->second) {
      const auto it = workers.find(name);
      if (it == workers.end()) throw std::runtime_error("worker '" + name + "' is not registered");
      found.push_back(it->second.endpoint);
    }
    return found;
  };
  const std::vector<std::string> front_eps = endpoints(tick->spec.fronts, "in");
  std::vector<fs::TailClient::Instance> sinks;
  const auto sink_hosts = tick->spec.sinks.find("out");
  if (sink_hosts == tick->spec.sinks.end()) throw std::runtime_error("the tick has no node 'out'");
  for (const std::string& name : sink_hosts->second) {
    const auto it = workers.find(name);
    if (it == workers.end()) throw std::runtime_error("worker '" + name + "' is not registered");
    sinks.push_back({name, it->second});
  }
  zmq::context_t context;
  std::string ingest_error;
  std::atomic<bool> ingest_done{false};
  std::thread ingest([&] {
    try {
      fs::IngestClient::Options opts;
      opts.batch_lines = ingest_batch;
      opts.tick = tick->id;
      fs::IngestClient client(context, front_eps, "in", opts);
      client.stream(source, [] { return true; });
    } catch (const std::exception& e) {
      ingest_error = e.what();
    }
    ingest_done = true;
  });
  // Every sink instance, merged into the one order (as `flamestream tail`), delivered a line at a
  // time with the wall time it arrived; a failed ingest ends the wait.
  struct IngestFailed {};
  std::vector<std::string> lines;
  try {
    fs::TailClient tail(tick->id, "out", std::move(sinks), [](const std::string&, const fs::Registration&) {
      return std::optional<fs::Registration>{};
    }, nullptr);
    tail.run(
        [&](std::string_view line) {
          lines.assign(1, std::string(line));
          on_lines(lines);
        },
        [&] {
          if (ingest_done && !ingest_error.empty()) throw IngestFailed{};
        },
        std::chrono::microseconds(static_cast<std::int64_t>(tail_poll_us)));
  } catch (const IngestFailed&) {
  } catch (...) {
    ingest.detach();
    throw;
  }
  ingest.join();
  if (!ingest_error.empty()) throw std::runtime_error("ingest: " + ingest_error);
  return tick->spec.workers.size();
}

}  // namespace wordcount_bench
