// The health of one worker's links to its peers, as ZeroMQ itself sees them.
//
// Each peer DEALER (transport.h) gets a socket monitor. ZeroMQ heartbeats every connection
// (kLinkTiming: a PING every interval, the connection closed when nothing at all came back for the
// timeout), and the kernel closes one whose sent data stays unacknowledged that long (a full send
// buffer holds the PINGs back), so a partition, a stalled peer or a dead one ends as a
// DISCONNECTED event within seconds, and the DEALER tries to reconnect every 100 ms until a
// handshake succeeds again. Invariant: a link is reported silent only while no connection to that peer is up — lost
// (an established connection closed) or never up for kSilentAfter since it was first asked for —
// and `since` is when that was first known; a link is "back" only once a handshake succeeded.
// Links are kept by peer name across runs (a recovery makes new sockets to the same peers): a
// link silent before stays silent, with its first `since`, until a connection is up again.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace flamestream {

// ZeroMQ settings of every worker-to-worker socket (and of the worker's ROUTER).
struct LinkTiming {
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds heartbeat_timeout{3000};  // silence that closes a connection
  std::chrono::milliseconds reconnect_interval{100};
  std::chrono::milliseconds reconnect_interval_max{0};  // 0: every reconnect_interval, no backoff
  // A connection attempt whose SYN went unanswered is abandoned after this and made again: the
  // kernel would resend the SYN only after a second, so a link healed just after a SYN was lost
  // would wait that long. Workers are on one network (round trips well under this).
  std::chrono::milliseconds connect_timeout{250};
};
inline constexpr LinkTiming kLinkTiming{};

// Heartbeats and TCP keepalive on `socket`; with `connecting`, the short reconnect intervals too.
void set_link_options(zmq::socket_t& socket, bool connecting);

struct SilentLink {
  std::string peer;         // the peer's worker name
  std::int64_t since_ms = 0;  // wall clock (ms since the Unix epoch): when it was first known silent
};

class PeerLinks {
 public:
  explicit PeerLinks(zmq::context_t& context) : context_(context) {}

  // How the log names this process ("flamestream worker w1"); empty: nothing is logged.
  void set_log_name(std::string name) { log_name_ = std::move(name); }

  // Stops watching the sockets watched so far; call it while they are still open (ZeroMQ's I/O
  // thread sends monitor events blocking: a monitor whose reader is gone can hang it). The links'
  // states stay.
  void unwatch_all();
  // Watches `socket`, the DEALER to peer `peer` (index `w` of the run), before it connects.
  void watch(std::size_t w, zmq::socket_t& socket, const std::string& peer);

  // Takes the monitors' pending events. Returns the indices of the peers whose socket had an
  // established connection close and now has one up again: what was in flight then may be lost.
  std::vector<std::size_t> poll();

  // The links silent now. Thread-safe.
  std::vector<SilentLink> silent() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Link {
    bool up = false;
    bool lost = false;  // an established connection closed, none up since
    Clock::time_point down_since{};
    std::int64_t down_since_ms = 0;
    bool logged_silent = false;
    bool watched = false;  // a socket of the current run goes to this peer
  };
  struct Watched {
    void* socket;  // the DEALER watched
    std::string peer;
    zmq::socket_t monitor;
    bool broke = false;  // this socket's connection closed after a handshake succeeded
  };

  void on_event(Watched& watched, std::uint16_t event);
  void log(const std::string& line) const;

  zmq::context_t& context_;
  std::string log_name_;
  std::map<std::size_t, Watched> watched_;
  mutable std::mutex mutex_;  // guards links_
  std::map<std::string, Link> links_;
  Clock::time_point last_poll_{};
  std::uint64_t monitors_ = 0;
};

}  // namespace flamestream
