#include "experiments/wordcount/cluster_client.h"

#include <atomic>
#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>

#include <zmq.hpp>

#include "runtime/cluster/cluster_state.h"
#include "runtime/engine/ingest_client.h"
#include "runtime/wire/codec.h"

namespace wordcount_bench {

namespace fs = flamestream;

std::size_t run_cluster(const std::string& zk_hosts, double tail_poll_us, std::size_t ingest_batch,
                        fs::Source& source,
                        const std::function<void(const std::vector<std::string>&)>& on_lines) {
  auto zk = fs::connect_zk(zk_hosts);
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
  const std::vector<std::string> sink_eps = endpoints(tick->spec.sinks, "out");
  if (sink_eps.size() != 1) throw std::runtime_error("the benchmark tails one sink instance");
  const std::string& sink_ep = sink_eps.front();
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
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(sink_ep);
  std::uint64_t offset = 0;
  const auto pause = std::chrono::nanoseconds(static_cast<std::int64_t>(tail_poll_us * 1000));
  for (;;) {
    socket.send(zmq::buffer(fs::wire::encode({tick->id, 0, fs::wire::TailRequest{"out", offset}})),
                zmq::send_flags::none);
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::seconds(30)) <= 0) {
      ingest.detach();
      throw std::runtime_error("the sink's worker did not answer within 30 s");
    }
    zmq::message_t bytes;
    if (!socket.recv(bytes)) continue;
    const fs::wire::Message m = fs::wire::decode(bytes.to_string_view(), fs::wire::Limits{0, 1 << 24});
    const auto* reply = std::get_if<fs::wire::TailReply>(&m.body);
    if (!reply) throw std::runtime_error("the sink's worker sent something other than output");
    if (!reply->lines.empty()) on_lines(reply->lines);
    offset = reply->offset + reply->lines.size();
    if (reply->done) break;
    if (reply->lines.empty()) {
      if (ingest_done && !ingest_error.empty()) break;
      std::this_thread::sleep_for(pause);
    }
  }
  ingest.join();
  if (!ingest_error.empty()) throw std::runtime_error("ingest: " + ingest_error);
  return tick->spec.workers.size();
}

}  // namespace wordcount_bench
