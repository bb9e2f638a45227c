// ZeroMQ transport of one worker: one bound ROUTER socket for everything that arrives (peers and
// clients), one DEALER per peer worker for what it sends.
//
// Each (sender, receiver) pair has its own connection, and a ZeroMQ connection delivers in order,
// so every channel is FIFO — the property that keeps a tombstone behind the item it cancels. The
// same code serves inproc:// endpoints (the embedded engine) and tcp:// ones (the cluster). With a
// cluster key the ROUTER is a CURVE server and the DEALERs CURVE clients (runtime/security/curve.h):
// over tcp:// only holders of the key get a message through.
#pragma once

#include <chrono>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "runtime/placement.h"
#include "runtime/security/cluster_key.h"

namespace flamestream {

class Transport {
 public:
  struct Incoming {
    std::string identity;  // the ROUTER identity of the connection, for replies
    std::string bytes;
  };

  // Binds `endpoints[self]` and connects to every other endpoint. Throws zmq::error_t on failure.
  Transport(zmq::context_t& context, const std::vector<std::string>& endpoints, WorkerId self);
  // Binds `listen` only: for a worker whose peers are not known yet. With `key` (it must outlive
  // the transport), every connection in and out is CURVE; without, plain.
  Transport(zmq::context_t& context, const std::string& listen, const ClusterKey* key = nullptr);

  // Binds the same socket to one more endpoint (e.g. an inproc:// control endpoint).
  void bind_also(const std::string& endpoint) { router_.bind(endpoint); }
  // The key the sockets use (nullptr: none), for other sockets that talk to this cluster's workers.
  const ClusterKey* key() const { return key_; }
  // The first endpoint bound, with a wildcard port resolved.
  std::string endpoint() const { return endpoint_; }

  // Connects to the peers of a deployment (index = worker id; the own entry is skipped). With
  // `identity` (peer_identity()), the peers' ROUTERs see the connections under it: what tells a
  // message of a peer of the run apart from a client's.
  void connect_peers(const std::vector<std::string>& endpoints, WorkerId self, const std::string& identity = {});

  // The identity of worker `self`'s connections to its peers in `epoch` of deployment `tick`:
  // "peer/TICK/EPOCH/SELF/NONCE", the nonce new for every call (a connection of an earlier
  // process or epoch may linger under the old one).
  static std::string peer_identity(std::uint64_t tick, std::uint64_t epoch, WorkerId self);
  // Whether `identity` is one peer_identity(tick, epoch, ·) gave. Not proof (any holder of the
  // cluster key can claim it; without the key nothing connects at all), but what a worker of that
  // run says it is.
  static bool is_peer_identity(const std::string& identity, std::uint64_t tick, std::uint64_t epoch);

  // Sends to a peer worker; never blocks (queues are unbounded: admission at the fronts bounds them).
  void send(WorkerId dst, const std::string& bytes);
  void reply(const std::string& identity, const std::string& bytes);

  // Waits at most `timeout` for the first message, then takes what is ready, up to `max`.
  void receive(std::chrono::microseconds timeout, std::vector<Incoming>& into, std::size_t max);

  // Messages dropped because their framing was not [identity, body].
  std::uint64_t malformed() const { return malformed_; }
  // Bytes handed to peers (message bodies, not ZeroMQ's framing).
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  zmq::context_t& context_;
  const ClusterKey* key_;
  zmq::socket_t router_;
  std::string endpoint_;
  std::vector<zmq::socket_t> peers_;  // by worker id; the own slot stays unconnected
  std::uint64_t malformed_ = 0;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace flamestream
