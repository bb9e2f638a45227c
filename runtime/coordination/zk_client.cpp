#include "runtime/coordination/zk_client.h"
#include "runtime/coordination/zk_fail.h"

#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace flamestream {

namespace {

// The C client logs to stderr, and even at ERROR level it prints a line for every failed
// reconnection attempt (several per second while a server is down). Everything it reports surfaces
// through this wrapper anyway (ZkError, connected(), expired()), so it is silent by default;
// FLAMESTREAM_ZK_LOG=error|warn|info|debug brings its log back on stderr at that level.
void configure_c_client_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("FLAMESTREAM_ZK_LOG");
    const std::string level = env != nullptr ? env : "";
    if (level == "debug") {
      zoo_set_debug_level(ZOO_LOG_LEVEL_DEBUG);
    } else if (level == "info") {
      zoo_set_debug_level(ZOO_LOG_LEVEL_INFO);
    } else if (level == "warn") {
      zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    } else {
      zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
      if (level != "error") {
        // Never closed: the C client may log until the process ends.
        if (FILE* null_stream = std::fopen("/dev/null", "w")) zoo_set_log_stream(null_stream);
      }
    }
  });
}

// Set while this thread runs one of a client's callbacks (see unwatch()).
thread_local const ZkClient* t_in_callback_of = nullptr;



std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}



}  // namespace

void zk_fail(const char* op, const std::string& path, int rc) {
  throw ZkError(std::string("ZooKeeper ") + op + " " + path + ": " + zerror(rc) + " (rc " +
                    std::to_string(rc) + ")",
                rc);
}

ZkClient::ZkClient(std::string hosts) : hosts_(std::move(hosts)) {}

std::unique_ptr<ZkClient> ZkClient::connect(const std::string& hosts,
                                            std::chrono::milliseconds timeout,
                                            std::chrono::milliseconds session_timeout,
                                            const std::string& digest) {
  configure_c_client_logging();
  std::unique_ptr<ZkClient> client(new ZkClient(hosts));
  errno = 0;
  zhandle_t* zh = zookeeper_init(hosts.c_str(), &ZkClient::session_watcher,
                                 static_cast<int>(session_timeout.count()), nullptr, client.get(), 0);
  if (zh == nullptr) {
    const int err = errno;
    throw ZkError("ZooKeeper at " + hosts + ": cannot create a client handle: " +
                  (err != 0 ? std::strerror(err) : "invalid connect string"));
  }
  // By default the C client resolves the connect string every time it checks its socket: ~100
  // netlink lookups a second on a busy worker. Once a second is plenty to follow DNS changes (a
  // lost connection still resolves at once).
  zoo_set_servers_resolution_delay(zh, 1000);
  std::unique_lock lock(client->mutex_);
  client->zh_ = zh;
  const bool ok = client->cv_.wait_for(lock, timeout, [&] { return client->connected_ || client->expired_; });
  if (!ok || !client->connected_) {
    lock.unlock();
    // Closing here joins the C client's threads; the destructor must not close again.
    client->zh_ = nullptr;
    zookeeper_close(zh);
    throw ZkError("ZooKeeper at " + hosts + " unreachable after " + seconds_text(timeout),
                  ZCONNECTIONLOSS);
  }
  lock.unlock();
  if (!digest.empty()) {
    // The digest scheme accepts any credential; what it buys is the identity the ACLs name.
    const int rc = zoo_add_auth(zh, "digest", digest.data(), static_cast<int>(digest.size()), nullptr, nullptr);
    if (rc != ZOK) throw ZkError("ZooKeeper at " + hosts + ": cannot authenticate: " + zerror(rc), rc);
    client->authenticated_ = true;
  }
  return client;
}

ZkClient::~ZkClient() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;  // no callback starts from now on
  }
  if (zh_ != nullptr) zookeeper_close(zh_);  // joins the C client's threads
}

// ---- session and watch events (completion thread) ----

void ZkClient::session_watcher(zhandle_t* /*zh*/, int type, int state, const char* /*path*/,
                               void* ctx) {
  if (type != ZOO_SESSION_EVENT) return;  // the global watcher only gets session events from us
  static_cast<ZkClient*>(ctx)->handle_session_event(state);
}

void ZkClient::handle_session_event(int state) {
  std::vector<Watch*> to_rearm;
  Callback expired_callback;
  {
    std::lock_guard lock(mutex_);
    if (closing_) return;
    if (state == ZOO_CONNECTED_STATE) {
      connected_ = true;
      if (ever_connected_) {
        for (auto& [key, watch] : watches_) {
          if (watch->active) to_rearm.push_back(watch.get());
        }
      }
      ever_connected_ = true;
    } else if (state == ZOO_EXPIRED_SESSION_STATE) {
      connected_ = false;
      if (!expired_) {
        expired_ = true;
        expired_callback = std::move(on_expired_);
        on_expired_ = nullptr;
      }
    } else {
      // ZOO_CONNECTING_STATE / ZOO_ASSOCIATING_STATE (connection lost, retrying), auth failure.
      connected_ = false;
    }
  }
  cv_.notify_all();
  if (expired_callback) run_callback(expired_callback, "session expiry");
  // After a reconnection: watches that could not be armed while disconnected are armed now (the C
  // client dedups ones it re-registered itself), and everyone re-reads in case something was missed.
  for (Watch* watch : to_rearm) {
    arm_from_callback(watch);
    deliver(watch);
  }
}

void ZkClient::node_watcher(zhandle_t* /*zh*/, int type, int /*state*/, const char* /*path*/,
                            void* ctx) {
  // The C client also hands session events to every path watcher; handle_session_event covers them.
  if (type == ZOO_SESSION_EVENT || type == ZOO_NOTWATCHING_EVENT) return;
  auto* watch = static_cast<Watch*>(ctx);
  watch->client->handle_node_event(watch, type);
}

void ZkClient::handle_node_event(Watch* watch, int /*type*/) {
  {
    std::lock_guard lock(mutex_);
    if (!watch->active || expired_ || closing_) return;
  }
  arm_from_callback(watch);  // re-arm first: a change made after the callback has read is not lost
  deliver(watch);
}

void ZkClient::arm_from_callback(Watch* watch) {
  // Exceptions must not cross the C client's completion thread.
  try {
    arm(watch);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flamestream: cannot re-arm ZooKeeper watch: %s\n", e.what());
  }
}

bool ZkClient::arm(Watch* watch) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    struct Stat stat;
    if (watch->kind == WatchKind::data) {
      const int rc = zoo_wexists(zh_, watch->path.c_str(), &ZkClient::node_watcher, watch, &stat);
      if (rc == ZOK || rc == ZNONODE) return true;  // both leave a watch behind
      if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZCLOSING ||
          rc == ZINVALIDSTATE || rc == ZSESSIONEXPIRED) {
        return false;
      }
      zk_fail("data watch", watch->path, rc);
    }
    String_vector strings{};
    int rc = zoo_wget_children(zh_, watch->path.c_str(), &ZkClient::node_watcher, watch, &strings);
    if (rc == ZOK) {
      deallocate_String_vector(&strings);
      return true;
    }
    if (rc == ZNONODE) {
      // No node, no children watch: watch for its creation instead, then watch its children.
      rc = zoo_wexists(zh_, watch->path.c_str(), &ZkClient::node_watcher, watch, &stat);
      if (rc == ZNONODE) return true;
      if (rc == ZOK) continue;  // created meanwhile: try the children watch again
    }
    if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZCLOSING ||
        rc == ZINVALIDSTATE || rc == ZSESSIONEXPIRED) {
      return false;
    }
    zk_fail("children watch", watch->path, rc);
  }
  return false;  // the node kept appearing and disappearing; the exists watch will bring us back
}

void ZkClient::deliver(Watch* watch) {
  Callback callback;
  {
    std::lock_guard lock(mutex_);
    if (!watch->active || closing_) return;
    ++watch_version_;
    callback = watch->callback;
    running_ = watch;
  }
  cv_.notify_all();
  if (callback) run_callback(callback, watch->path.c_str());
  {
    std::lock_guard lock(mutex_);
    running_ = nullptr;
  }
  cv_.notify_all();
}

void ZkClient::run_callback(const Callback& callback, const char* what) const {
  const ZkClient* outer = t_in_callback_of;
  t_in_callback_of = this;
  try {
    callback();
  } catch (const ZkError& e) {
    // ZCLOSING: the client is being destroyed while the callback runs; nothing to report.
    if (e.code() != ZCLOSING) {
      std::fprintf(stderr, "flamestream: ZooKeeper callback for %s threw: %s\n", what, e.what());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flamestream: ZooKeeper callback for %s threw: %s\n", what, e.what());
  } catch (...) {
    std::fprintf(stderr, "flamestream: ZooKeeper callback for %s threw\n", what);
  }
  t_in_callback_of = outer;
}

// ---- watches (caller threads) ----

void ZkClient::add_watch(const std::string& path, WatchKind kind, Callback on_change) {
  Watch* watch = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (expired_) throw ZkError("ZooKeeper watch " + path + ": session expired", ZSESSIONEXPIRED);
    auto& slot = watches_[{path, kind}];
    if (!slot) slot = std::make_unique<Watch>(Watch{this, path, kind, true, {}});
    slot->active = true;
    slot->callback = std::move(on_change);
    watch = slot.get();
  }
  // If the connection is down right now, the reconnection handler arms it.
  arm(watch);
}

void ZkClient::children_watch(const std::string& path, Callback on_change) {
  add_watch(path, WatchKind::children, std::move(on_change));
}

void ZkClient::data_watch(const std::string& path, Callback on_change) {
  add_watch(path, WatchKind::data, std::move(on_change));
}

void ZkClient::unwatch(const std::string& path) {
  std::unique_lock lock(mutex_);
  std::vector<const Watch*> stopped;
  for (WatchKind kind : {WatchKind::children, WatchKind::data}) {
    auto it = watches_.find({path, kind});
    if (it == watches_.end()) continue;
    it->second->active = false;
    it->second->callback = nullptr;
    stopped.push_back(it->second.get());
  }
  // Wait for a callback of these watches still running (unless we are inside it).
  if (t_in_callback_of == this) return;
  cv_.wait(lock, [&] {
    return std::find(stopped.begin(), stopped.end(), running_) == stopped.end();
  });
}

std::uint64_t ZkClient::watch_version() const {
  std::lock_guard lock(mutex_);
  return watch_version_;
}

bool ZkClient::wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return watch_version_ > seen || expired_; });
  return watch_version_ > seen;
}

// ---- session state ----

bool ZkClient::connected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

bool ZkClient::expired() const {
  std::lock_guard lock(mutex_);
  return expired_;
}

void ZkClient::on_expired(Callback callback) {
  {
    std::lock_guard lock(mutex_);
    if (!expired_) {
      on_expired_ = std::move(callback);
      return;
    }
  }
  if (callback) run_callback(callback, "session expiry");
}

std::int64_t ZkClient::session_id() const {
  const clientid_t* id = zoo_client_id(zh_);
  return id != nullptr ? id->client_id : 0;
}

std::chrono::milliseconds ZkClient::session_timeout() const {
  return std::chrono::milliseconds(zoo_recv_timeout(zh_));
}

// ---- data operations ----

}  // namespace flamestream
