#include "runtime/engine/transport.h"

#include <atomic>
#include <cerrno>
#include <memory>
#include <random>
#include <zmq_addon.hpp>

#include "model/errors.h"
#include "runtime/security/curve.h"

namespace flamestream {

Transport::Transport(zmq::context_t& context, const std::vector<std::string>& endpoints,
                     WorkerId self)
    : Transport(context, endpoints.at(self)) {
  connect_peers(endpoints, self);
}

Transport::Transport(zmq::context_t& context, const std::string& listen, const ClusterKey* key)
    : context_(context),
      key_(key),
      router_(context, zmq::socket_type::router),
      links_(std::make_unique<PeerLinks>(context)) {
  secure_server(router_, key_);
  router_.set(zmq::sockopt::rcvhwm, 0);
  router_.set(zmq::sockopt::sndhwm, 0);
  router_.set(zmq::sockopt::linger, 0);
  set_link_options(router_, false);
  // A peer that reconnects after a silence takes its identity over at once, even while the
  // connection it replaces has not timed out here yet.
  router_.set(zmq::sockopt::router_handover, 1);
  router_.bind(listen);
  endpoint_ = router_.get(zmq::sockopt::last_endpoint);
}

Transport::~Transport() { links_->unwatch_all(); }

void Transport::connect_peers(const std::vector<std::string>& endpoints, WorkerId self,
                              const std::string& identity, const std::vector<std::string>& names) {
  links_->unwatch_all();  // stops the monitors while the sockets they watch are open
  peers_.clear();
  sent_.assign(endpoints.size(), 0);
  // "peer/TICK/EPOCH/": the prefix of every identity of this run.
  std::size_t slashes = 0, cut = 0;
  while (slashes < 3 && (cut = identity.find('/', cut)) != std::string::npos) ++slashes, ++cut;
  run_prefix_ = slashes == 3 ? identity.substr(0, cut) : std::string();
  lost_in_run_.reset();
  for (WorkerId w = 0; w < endpoints.size(); ++w) {
    peers_.emplace_back(context_, zmq::socket_type::dealer);
    if (w == self) continue;
    peers_[w].set(zmq::sockopt::sndhwm, 0);
    peers_[w].set(zmq::sockopt::linger, 0);
    set_link_options(peers_[w], true);
    secure_client(peers_[w], key_);
    if (!identity.empty()) peers_[w].set(zmq::sockopt::routing_id, identity);
    if (w < names.size() && !endpoints[w].starts_with("inproc://")) links_->watch(w, peers_[w], names[w]);
    peers_[w].connect(endpoints[w]);
  }
}

std::string Transport::peer_identity(std::uint64_t tick, std::uint64_t epoch, WorkerId self) {
  static std::atomic<std::uint64_t> calls{0};
  const std::uint64_t nonce = std::random_device{}() ^ (calls++ << 32);
  return "peer/" + std::to_string(tick) + "/" + std::to_string(epoch) + "/" + std::to_string(self) + "/" +
         std::to_string(nonce);
}

bool Transport::is_peer_identity(const std::string& identity, std::uint64_t tick, std::uint64_t epoch) {
  const std::string prefix = "peer/" + std::to_string(tick) + "/" + std::to_string(epoch) + "/";
  return identity.starts_with(prefix);
}

void Transport::send(WorkerId dst, const std::string& bytes) {
  zmq::message_t body(bytes.data(), bytes.size());
  send_body(dst, body);
}

void Transport::send(WorkerId dst, std::string&& bytes) {
  // Below this a copy costs less than the two allocations of handing the buffer over.
  constexpr std::size_t kHandOver = 1024;
  if (bytes.size() < kHandOver) return send(dst, static_cast<const std::string&>(bytes));
  // ZeroMQ frees the string when it is done with its bytes, on whichever thread that is.
  auto owned = std::make_unique<std::string>(std::move(bytes));
  zmq::message_t body(
      owned->data(), owned->size(), [](void*, void* hint) { delete static_cast<std::string*>(hint); },
      owned.get());
  owned.release();
  send_body(dst, body);
}

void Transport::send_body(WorkerId dst, zmq::message_t& body) {
  check_invariant(dst < peers_.size(), "a message for a worker outside the deployment");
  const std::size_t size = body.size();
  peers_[dst].send(zmq::buffer(channel_header(sent_[dst]++)), zmq::send_flags::sndmore);
  peers_[dst].send(body, zmq::send_flags::none);
  bytes_sent_ += size;
}

void Transport::reply(const std::string& identity, const std::string& bytes) {
  router_.send(zmq::buffer(identity), zmq::send_flags::sndmore);
  router_.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
}

void Transport::receive(std::chrono::microseconds timeout, std::vector<Incoming>& into,
                        std::size_t max) {
  // A socket whose connection closed and came back: a probe shows the receiver whether what it
  // carried then arrived.
  for (std::size_t w : links_->poll())
    if (w < peers_.size()) {
      peers_[w].send(zmq::buffer(channel_header(sent_[w])), zmq::send_flags::sndmore);
      peers_[w].send(zmq::str_buffer(""), zmq::send_flags::none);
    }
  zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(timeout);
  try {
    if (zmq::poll(&item, 1, wait) <= 0) return;
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return;  // a signal: the caller decides whether to go on
    throw;
  }
  std::vector<zmq::message_t> parts;
  for (std::size_t n = 0; n < max; ++n) {
    parts.clear();
    if (!zmq::recv_multipart(router_, std::back_inserter(parts), zmq::recv_flags::dontwait)) return;
    // A well-formed message is [identity, body] (a client's) or [identity, number, body] (a
    // peer's); anything else is not ours and is dropped whole.
    std::uint64_t number = 0;
    if (parts.size() == 2) {
      into.push_back({parts[0].to_string(), parts[1].to_string()});
    } else if (parts.size() == 3 && read_channel_header(parts[1].to_string_view(), number)) {
      accept_numbered(parts[0].to_string(), number, parts[2], into);
    } else {
      ++malformed_;
    }
  }
}

void Transport::accept_numbered(std::string identity, std::uint64_t number, zmq::message_t& body,
                                std::vector<Incoming>& into) {
  switch (order_.check(identity, number, body.size() == 0)) {
    case ChannelOrder::Verdict::deliver:
      into.push_back({std::move(identity), body.to_string()});
      return;
    case ChannelOrder::Verdict::probe:
      return;
    case ChannelOrder::Verdict::first_gap:
      ++lost_;
      if (!run_prefix_.empty() && identity.starts_with(run_prefix_)) {
        const std::string why = "messages of a peer of this run were lost (its connection " + identity +
                                " closed and came back; message " + std::to_string(number) + " came next)";
        lost_in_run_ = why;
        if (on_lost_) on_lost_(why);
      }
      return;
    case ChannelOrder::Verdict::after_gap:
      ++lost_;
      return;
  }
}

}  // namespace flamestream
