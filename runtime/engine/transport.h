// ZeroMQ transport of one worker: one bound ROUTER socket for everything that arrives (peers and
// clients), one DEALER per peer worker for what it sends.
//
// Each (sender, receiver) pair has its own connection, and a ZeroMQ connection delivers in order,
// so every channel is FIFO — the property that keeps a tombstone behind the item it cancels. The
// same code serves inproc:// endpoints (the embedded engine) and tcp:// ones (the cluster). With a
// cluster key the ROUTER is a CURVE server and the DEALERs CURVE clients (runtime/security/curve.h):
// over tcp:// only holders of the key get a message through.
//
// Links between workers notice silence and heal at once (peer_links.h): heartbeats on every
// connection, short reconnect intervals, and a monitor on each peer DEALER that `status` reads
// through silent_links(). A connection that closed may have lost what it carried, so peer messages
// are numbered per socket (channel_order.h): the receiver drops everything of a socket from its
// first gap on and reports the loss (on_messages_lost), which a worker of the run turns into a
// recovery. Messages of clients (two frames: identity, body) are not numbered.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "runtime/engine/channel_order.h"
#include "runtime/engine/peer_links.h"
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
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Binds the same socket to one more endpoint (e.g. an inproc:// control endpoint).
  void bind_also(const std::string& endpoint) { router_.bind(endpoint); }
  // The key the sockets use (nullptr: none), for other sockets that talk to this cluster's workers.
  const ClusterKey* key() const { return key_; }
  // The first endpoint bound, with a wildcard port resolved.
  std::string endpoint() const { return endpoint_; }

  // Connects to the peers of a deployment (index = worker id; the own entry is skipped). With
  // `identity` (peer_identity()), the peers' ROUTERs see the connections under it: what tells a
  // message of a peer of the run apart from a client's.
  // With `names` (the workers' names, by id) the links are watched and reported by name.
  void connect_peers(const std::vector<std::string>& endpoints, WorkerId self, const std::string& identity = {},
                     const std::vector<std::string>& names = {});

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
  // The same, the message taking a long string's buffer over instead of a copy of it (a page).
  void send(WorkerId dst, std::string&& bytes);
  void reply(const std::string& identity, const std::string& bytes);

  // Waits at most `timeout` for the first message, then takes what is ready, up to `max`.
  void receive(std::chrono::microseconds timeout, std::vector<Incoming>& into, std::size_t max);

  // Messages dropped because their framing was neither [identity, body] nor [identity, number, body].
  std::uint64_t malformed() const { return malformed_; }
  // Peer messages dropped at or after a gap in their socket's numbers.
  std::uint64_t lost() const { return lost_; }

  // Called (on the thread that receives) when a socket of a peer of the run connect_peers last
  // joined (its identity has that run's prefix) lost messages; `why` says whose.
  void on_messages_lost(std::function<void(const std::string& why)> hook) { on_lost_ = std::move(hook); }
  // Whether that happened since connect_peers: why, or nullopt.
  const std::optional<std::string>& messages_lost() const { return lost_in_run_; }
  // The peer links silent now (with names given to connect_peers). Thread-safe.
  std::vector<SilentLink> silent_links() const { return links_->silent(); }
  // How link changes are logged ("flamestream worker w1"); empty: not at all.
  void set_log_name(const std::string& name) { links_->set_log_name(name); }
  // Bytes handed to peers (message bodies, not ZeroMQ's framing).
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  void send_body(WorkerId dst, zmq::message_t& body);
  void accept_numbered(std::string identity, std::uint64_t number, zmq::message_t& body,
                       std::vector<Incoming>& into);

  zmq::context_t& context_;
  const ClusterKey* key_;
  zmq::socket_t router_;
  std::string endpoint_;
  std::unique_ptr<PeerLinks> links_;  // monitors of peers_: stopped before those close
  std::vector<zmq::socket_t> peers_;  // by worker id; the own slot stays unconnected
  std::vector<std::uint64_t> sent_;    // by worker id: messages sent on its socket so far
  ChannelOrder order_;
  std::string run_prefix_;  // of the identities of the run connect_peers joined
  std::function<void(const std::string&)> on_lost_;
  std::optional<std::string> lost_in_run_;
  std::uint64_t lost_ = 0;
  std::uint64_t malformed_ = 0;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace flamestream
