#include "runtime/engine/transport.h"

#include <atomic>
#include <cerrno>
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
    : context_(context), key_(key), router_(context, zmq::socket_type::router) {
  secure_server(router_, key_);
  router_.set(zmq::sockopt::rcvhwm, 0);
  router_.set(zmq::sockopt::sndhwm, 0);
  router_.set(zmq::sockopt::linger, 0);
  router_.bind(listen);
  endpoint_ = router_.get(zmq::sockopt::last_endpoint);
}

void Transport::connect_peers(const std::vector<std::string>& endpoints, WorkerId self,
                              const std::string& identity) {
  peers_.clear();
  for (WorkerId w = 0; w < endpoints.size(); ++w) {
    peers_.emplace_back(context_, zmq::socket_type::dealer);
    if (w == self) continue;
    peers_[w].set(zmq::sockopt::sndhwm, 0);
    peers_[w].set(zmq::sockopt::linger, 0);
    secure_client(peers_[w], key_);
    if (!identity.empty()) peers_[w].set(zmq::sockopt::routing_id, identity);
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
  check_invariant(dst < peers_.size(), "a message for a worker outside the deployment");
  peers_[dst].send(zmq::buffer(bytes), zmq::send_flags::none);
  bytes_sent_ += bytes.size();
}

void Transport::reply(const std::string& identity, const std::string& bytes) {
  router_.send(zmq::buffer(identity), zmq::send_flags::sndmore);
  router_.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
}

void Transport::receive(std::chrono::microseconds timeout, std::vector<Incoming>& into,
                        std::size_t max) {
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
    // A well-formed message is [identity, body]; anything else is not ours and is dropped whole.
    if (parts.size() != 2) {
      ++malformed_;
      continue;
    }
    into.push_back({parts[0].to_string(), parts[1].to_string()});
  }
}

}  // namespace flamestream
