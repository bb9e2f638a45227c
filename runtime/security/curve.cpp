#include "runtime/security/curve.h"

#include <iostream>
#include <vector>
#include <zmq_addon.hpp>

namespace flamestream {

namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";  // fixed by ZeroMQ's RFC 27

std::string z85_decoded(const std::string& z85) {
  std::string bytes(32, '\0');
  zmq_z85_decode(reinterpret_cast<std::uint8_t*>(bytes.data()), z85.c_str());
  return bytes;
}

}  // namespace

void secure_server(zmq::socket_t& socket, const ClusterKey* key) {
  if (key == nullptr) return;
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, key->server_secret);
}

void secure_client(zmq::socket_t& socket, const ClusterKey* key) {
  if (key == nullptr) return;
  socket.set(zmq::sockopt::curve_serverkey, key->server_public);
  socket.set(zmq::sockopt::curve_publickey, key->client_public);
  socket.set(zmq::sockopt::curve_secretkey, key->client_secret);
}

ZapHandler::ZapHandler(zmq::context_t& context, const ClusterKey& key, std::string who)
    : socket_(context, zmq::socket_type::rep), client_key_(z85_decoded(key.client_public)), who_(std::move(who)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind(kZapEndpoint);
  // From here the socket belongs to the thread (thread creation is the memory barrier ZeroMQ asks
  // for when a socket changes threads).
  thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
}

ZapHandler::~ZapHandler() {
  thread_.request_stop();
  thread_.join();
}

void ZapHandler::serve(std::stop_token stop) {
  std::vector<zmq::message_t> request;
  while (!stop.stop_requested()) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) <= 0) continue;
      request.clear();
      if (!zmq::recv_multipart(socket_, std::back_inserter(request), zmq::recv_flags::dontwait)) continue;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      if (e.num() == ETERM) return;
      throw;
    }
    // RFC 27: version, request id, domain, address, identity, mechanism, credentials. A REP socket
    // must answer every request, even one that is not well-formed (libzmq never sends those).
    const auto frame = [&](std::size_t i) { return i < request.size() ? request[i].to_string_view() : std::string_view(); };
    const bool ok = request.size() == 7 && frame(5) == "CURVE" && frame(6) == client_key_;
    if (!ok && refused_++ == 0)
      std::cerr << who_ << ": refused a connection without the cluster key (from " << frame(3)
                << "); further refusals are not logged\n";
    const std::string status = ok ? "200" : "400";
    const std::string text = ok ? "OK" : "not the cluster's client key";
    std::vector<zmq::const_buffer> reply = {zmq::buffer(std::string_view("1.0")), zmq::buffer(frame(1)),
                                            zmq::buffer(status), zmq::buffer(text),
                                            zmq::buffer(std::string_view()), zmq::buffer(std::string_view())};
    zmq::send_multipart(socket_, reply, zmq::send_flags::dontwait);
  }
}

}  // namespace flamestream
