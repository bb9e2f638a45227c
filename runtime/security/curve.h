// CURVE on ZeroMQ sockets, and the ZAP handler that admits only the cluster's client key.
//
// A worker's ROUTER is a CURVE server with the cluster's server key pair; every DEALER that talks
// to a worker (a peer, ingest, tail, a state transfer) is a CURVE client with the cluster's client
// key pair. CURVE alone admits any client that knows the server's public key, so each worker
// process also runs a ZapHandler, which libzmq asks about every CURVE connection: it accepts the
// cluster's client public key and nothing else. A refused connection never delivers a message;
// inproc:// connections (the embedded engine, a worker's control channel) have no security
// mechanism and are not asked. With no key (nullptr), sockets are left plain: --insecure.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "runtime/security/cluster_key.h"

namespace flamestream {

// Makes `socket` a CURVE server (before it binds). No-op without a key.
void secure_server(zmq::socket_t& socket, const ClusterKey* key);
// Makes `socket` a CURVE client of the cluster's workers (before it connects). No-op without a key.
void secure_client(zmq::socket_t& socket, const ClusterKey* key);

// Answers libzmq's authentication requests for every socket of `context`, on a thread of its
// own, from construction (it binds before returning) to destruction. Create it before the
// sockets it guards bind, destroy it after they close and before the context ends.
class ZapHandler {
 public:
  // `who`: how the log names this process ("flamestream worker w1").
  ZapHandler(zmq::context_t& context, const ClusterKey& key, std::string who);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Connections refused so far.
  std::uint64_t refused() const { return refused_; }

 private:
  void serve(std::stop_token stop);

  zmq::socket_t socket_;
  std::string client_key_;  // binary, 32 bytes
  std::string who_;
  std::atomic<std::uint64_t> refused_{0};
  std::jthread thread_;
};

}  // namespace flamestream
