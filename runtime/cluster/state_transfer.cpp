#include "runtime/cluster/state_transfer.h"

#include <iostream>
#include <thread>

#include "runtime/cluster/finished_sinks.h"
#include "runtime/security/curve.h"
#include "snapshot/snapshot_store.h"

namespace flamestream {

namespace {

constexpr std::size_t kBacklogLimit = 1 << 16;  // messages kept while no loop runs
constexpr auto kAnswerTimeout = std::chrono::seconds(60);

wire::Limits generous_limits() { return wire::Limits{1 << 16, 1 << 16}; }

// The finished sinks of a data dir (a worker process has one): logs once read stay read.
FinishedSinks& finished_sinks(const std::filesystem::path& data_dir) {
  static std::map<std::filesystem::path, FinishedSinks> by_dir;
  return by_dir.try_emplace(data_dir, data_dir).first->second;
}

bool in_ranges(std::uint32_t hash, const wire::StateRequest& request) {
  for (const auto& [from, to] : request.ranges)
    if (hash >= from && hash <= to) return true;
  return false;
}

// The ranges `self` owns in `tick`'s mapping, inclusive.
std::vector<std::pair<std::uint32_t, std::uint32_t>> owned_ranges(const TickSpec& spec, const std::string& self) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  const WorkerId id = spec.worker_id(self);
  std::uint64_t from = 0;
  for (const auto& r : spec.mapping) {
    if (r.worker == id) out.emplace_back(static_cast<std::uint32_t>(from), static_cast<std::uint32_t>(r.end - 1));
    from = r.end;
  }
  return out;
}

}  // namespace

wire::StateReply serve_state_request(ZkClient& zk, const std::filesystem::path& data_dir,
                                     const wire::StateRequest& request) {
  wire::StateReply reply{request.end, {}, {}};
  try {
    const auto tick = find_tick(zk, request.state_tick);
    if (!tick) throw std::runtime_error("no tick " + request.state_tick);
    const Job job = make_job(tick->spec.graph, tick->spec.params, tick->spec.job);
    SnapshotStore store(data_dir / tick->spec.storage_name(tick->node) / "snapshots");
    const auto bytes = store.read(request.end);
    if (!bytes) throw std::runtime_error("no snapshot of " + std::to_string(request.end) + " in " +
                                         store.path_of(request.end).parent_path().string());
    const wire::Limits limits = wire::sized_for({job.graph.nodes().size(), 1}, bytes->size());
    auto state = std::get<wire::ItemBatch>(wire::decode(*bytes, limits).body);
    for (Envelope& e : state.envelopes)
      if (in_ranges(job.graph.partition_hash(e.node, e.item.payload), request)) reply.items.push_back(std::move(e));
  } catch (const std::exception& e) {
    reply.error = e.what();
    reply.items.clear();
  }
  return reply;
}

void serve_while_waiting(ZkClient& zk, Transport& transport, const std::filesystem::path& data_dir,
                         std::chrono::milliseconds wait, std::vector<Transport::Incoming>& backlog) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::vector<Transport::Incoming> incoming;
  for (auto now = std::chrono::steady_clock::now(); now < deadline; now = std::chrono::steady_clock::now()) {
    incoming.clear();
    transport.receive(std::chrono::duration_cast<std::chrono::microseconds>(deadline - now), incoming, 256);
    for (auto& in : incoming) {
      std::optional<wire::Message> m;
      try {
        m = wire::decode(in.bytes, wire::sized_for(generous_limits(), in.bytes.size()));
      } catch (const wire::WireError&) {
      }
      if (m && std::holds_alternative<wire::StateRequest>(m->body)) {
        auto reply = serve_state_request(zk, data_dir, std::get<wire::StateRequest>(m->body));
        transport.reply(in.identity, wire::encode({m->tick, 0, std::move(reply)}));
      } else if (auto tail = m && std::holds_alternative<wire::TailRequest>(m->body)
                                 ? finished_sinks(data_dir).serve(zk, m->tick, std::get<wire::TailRequest>(m->body))
                                 : std::nullopt) {
        transport.reply(in.identity, wire::encode({m->tick, 0, std::move(*tail)}));
      } else if (backlog.size() < kBacklogLimit) {
        backlog.push_back(std::move(in));  // the next run validates it against its own job
      }
    }
  }
}

std::vector<Envelope> pull_state(ZkClient& zk, zmq::context_t& context, Transport& transport,
                                 const std::filesystem::path& data_dir, const DeployedTick& tick,
                                 WorkerId self, const CommitRecord& record,
                                 std::vector<Transport::Incoming>& backlog) {
  const auto source = find_tick(zk, record.state_tick);
  if (!source) throw std::runtime_error("the tick holding the committed state, " + record.state_tick + ", is gone");
  const wire::StateRequest request{source->node, record.committed,
                                   owned_ranges(tick.spec, tick.spec.workers[self])};
  // One socket per worker of the state tick; each answers once.
  std::vector<std::unique_ptr<zmq::socket_t>> asked(source->spec.workers.size());
  std::vector<bool> answered(asked.size(), false);
  std::vector<Envelope> state;
  const auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
  for (std::size_t left = asked.size(); left > 0;) {
    const auto registered = registered_workers(zk);
    for (std::size_t i = 0; i < asked.size(); ++i) {
      if (asked[i]) continue;
      auto it = registered.find(source->spec.workers[i]);
      if (it == registered.end()) continue;  // restarting: ask once it is back
      asked[i] = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
      asked[i]->set(zmq::sockopt::linger, 0);
      secure_client(*asked[i], transport.key());
      asked[i]->connect(it->second.endpoint);
      asked[i]->send(zmq::buffer(wire::encode({tick.id, 0, request})), zmq::send_flags::none);
    }
    for (std::size_t i = 0; i < asked.size(); ++i) {
      if (!asked[i] || answered[i]) continue;
      zmq::message_t bytes;
      if (!asked[i]->recv(bytes, zmq::recv_flags::dontwait)) continue;
      auto m = wire::decode(bytes.to_string_view(), wire::sized_for(generous_limits(), bytes.size()));
      auto* reply = std::get_if<wire::StateReply>(&m.body);
      if (!reply || reply->end != request.end) continue;
      if (!reply->error.empty())
        throw std::runtime_error("worker " + source->spec.workers[i] + " cannot hand over its state: " + reply->error);
      for (Envelope& e : reply->items) state.push_back(std::move(e));
      answered[i] = true;
      --left;
    }
    if (left == 0) break;
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the workers of " + source->node + " did not all hand over their state within 60 s");
    // Our own worker, and others that wait like us, must be answered meanwhile.
    serve_while_waiting(zk, transport, data_dir, std::chrono::milliseconds(5), backlog);
  }
  return state;
}

}  // namespace flamestream
