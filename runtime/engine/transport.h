// ZeroMQ transport of one worker: one bound ROUTER socket for everything that arrives (peers and
// clients), one DEALER per peer worker for what it sends.
//
// Each (sender, receiver) pair has its own connection, and a ZeroMQ connection delivers in order,
// so every channel is FIFO — the property that keeps a tombstone behind the item it cancels. The
// same code serves inproc:// endpoints (the embedded engine) and tcp:// ones (the cluster).
#pragma once

#include <chrono>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "runtime/placement.h"

namespace flamestream {

class Transport {
 public:
  struct Incoming {
    std::string identity;  // the ROUTER identity of the connection, for replies
    std::string bytes;
  };

  // Binds `endpoints[self]` and connects to every other endpoint. Throws zmq::error_t on failure.
  Transport(zmq::context_t& context, const std::vector<std::string>& endpoints, WorkerId self);
  // Binds `listen` only: for a worker whose peers are not known yet.
  Transport(zmq::context_t& context, const std::string& listen);

  // Binds the same socket to one more endpoint (e.g. an inproc:// control endpoint).
  void bind_also(const std::string& endpoint) { router_.bind(endpoint); }
  // The first endpoint bound, with a wildcard port resolved.
  std::string endpoint() const { return endpoint_; }

  // Connects to the peers of a deployment (index = worker id; the own entry is skipped).
  void connect_peers(const std::vector<std::string>& endpoints, WorkerId self);

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
  zmq::socket_t router_;
  std::string endpoint_;
  std::vector<zmq::socket_t> peers_;  // by worker id; the own slot stays unconnected
  std::uint64_t malformed_ = 0;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace flamestream
