#include "runtime/engine/peer_links.h"

#include <cstring>
#include <iostream>

namespace flamestream {

namespace {

constexpr int kEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED;
// Monitors are read at most this often: the loop calls poll() on every receive.
constexpr auto kPollEvery = std::chrono::milliseconds(1);

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string seconds(std::chrono::steady_clock::duration d) {
  const auto tenths = std::chrono::duration_cast<std::chrono::milliseconds>(d).count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

}  // namespace

void set_link_options(zmq::socket_t& socket, bool connecting) {
  const LinkTiming& t = kLinkTiming;
  socket.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(t.heartbeat_interval.count()));
  socket.set(zmq::sockopt::heartbeat_timeout, static_cast<int>(t.heartbeat_timeout.count()));
  socket.set(zmq::sockopt::heartbeat_ttl, static_cast<int>(t.heartbeat_timeout.count()));
  socket.set(zmq::sockopt::tcp_keepalive, 1);
  socket.set(zmq::sockopt::tcp_keepalive_idle, 2);
  socket.set(zmq::sockopt::tcp_keepalive_intvl, 1);
  socket.set(zmq::sockopt::tcp_keepalive_cnt, 3);
  // Heartbeats cannot go out while a connection's send buffer is full (a partition with data in
  // flight): the kernel then gives up on data unacknowledged this long (TCP_USER_TIMEOUT).
  socket.set(zmq::sockopt::tcp_maxrt, static_cast<int>(t.heartbeat_timeout.count()));
  if (!connecting) return;
  socket.set(zmq::sockopt::reconnect_ivl, static_cast<int>(t.reconnect_interval.count()));
  socket.set(zmq::sockopt::reconnect_ivl_max, static_cast<int>(t.reconnect_interval_max.count()));
  socket.set(zmq::sockopt::connect_timeout, static_cast<int>(t.connect_timeout.count()));
}

void PeerLinks::unwatch_all() {
  for (auto& [w, watched] : watched_) zmq_socket_monitor(watched.socket, nullptr, 0);
  watched_.clear();
  std::lock_guard lock(mutex_);
  for (auto& [peer, link] : links_) link.watched = false;
}

void PeerLinks::watch(std::size_t w, zmq::socket_t& socket, const std::string& peer) {
  const std::string endpoint = "inproc://flamestream-link-monitor-" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "-" +
                               std::to_string(++monitors_);
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), kEvents) != 0) throw zmq::error_t();
  Watched watched{socket.handle(), peer, zmq::socket_t(context_, zmq::socket_type::pair)};
  watched.monitor.set(zmq::sockopt::linger, 0);
  watched.monitor.set(zmq::sockopt::rcvhwm, 0);  // events queue, never block the sender
  watched.monitor.connect(endpoint);  // before the socket connects: no event is missed
  if (auto it = watched_.find(w); it != watched_.end()) {
    zmq_socket_monitor(it->second.socket, nullptr, 0);
    watched_.erase(it);
  }
  watched_.emplace(w, std::move(watched));
  std::lock_guard lock(mutex_);
  Link& link = links_[peer];
  link.watched = true;
  // Down before (silent, or still connecting): it stays so, since then, until a handshake
  // succeeds. A link that was up gives the new socket its own time to connect.
  if (!link.up && link.down_since != Clock::time_point{}) return;
  link = Link{false, false, Clock::now(), wall_ms(), false, true};
}

std::vector<std::size_t> PeerLinks::poll() {
  std::vector<std::size_t> back;
  const auto now = Clock::now();
  if (now - last_poll_ < kPollEvery) return back;
  last_poll_ = now;
  for (auto& [w, watched] : watched_) {
    for (;;) {
      zmq::message_t event;
      if (!watched.monitor.recv(event, zmq::recv_flags::dontwait)) break;
      zmq::message_t address;  // the second part: the endpoint
      if (event.more()) (void)watched.monitor.recv(address, zmq::recv_flags::dontwait);
      if (event.size() < sizeof(std::uint16_t)) continue;
      std::uint16_t id = 0;
      std::memcpy(&id, event.data(), sizeof id);
      on_event(watched, id);
      if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && watched.broke) {
        watched.broke = false;
        back.push_back(w);
      }
    }
  }
  // A link never up since it was asked for: silent once it has had the time a heartbeat has.
  std::lock_guard lock(mutex_);
  for (auto& [peer, link] : links_) {
    if (!link.watched || link.up || link.logged_silent || now - link.down_since < kLinkTiming.heartbeat_timeout) continue;
    link.logged_silent = true;
    if (!link.lost) log("no connection to " + peer + " for " + seconds(now - link.down_since) + "; still trying");
  }
  return back;
}

void PeerLinks::on_event(Watched& watched, std::uint16_t event) {
  std::lock_guard lock(mutex_);
  Link& link = links_[watched.peer];
  const auto now = Clock::now();
  if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
    if (!link.up && link.logged_silent)
      log("link to " + watched.peer + " back after " + seconds(now - link.down_since));
    link = Link{true, false, {}, 0, false, true};
    return;
  }
  if (event != ZMQ_EVENT_DISCONNECTED || !link.up) return;  // a connection that never got through
  watched.broke = true;
  link = Link{false, true, now, wall_ms(), true, true};
  log("link to " + watched.peer + " lost: the connection closed (by the peer, or after " +
      seconds(kLinkTiming.heartbeat_timeout) + " with no answer to heartbeats or to data sent); " +
      "trying to reconnect every " + std::to_string(kLinkTiming.reconnect_interval.count()) + " ms");
}

std::vector<SilentLink> PeerLinks::silent() const {
  std::vector<SilentLink> out;
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  for (const auto& [peer, link] : links_)
    if (link.watched && !link.up && (link.lost || now - link.down_since >= kLinkTiming.heartbeat_timeout))
      out.push_back({peer, link.down_since_ms});
  return out;
}

void PeerLinks::log(const std::string& line) const {
  if (!log_name_.empty()) std::cerr << log_name_ << ": " << line << "\n";
}

}  // namespace flamestream
