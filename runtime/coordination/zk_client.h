#pragma once

// A small RAII wrapper over the ZooKeeper C client (zookeeper_mt, synchronous API).
//
// Threading
// ---------
// * Every public member function may be called from any thread (the C client is thread-safe).
// * Callbacks (watch callbacks, the session-expiry callback) run on the C client's *completion
//   thread*, one at a time, never concurrently with each other. They may call this client's
//   synchronous methods (get(), children(), ...): the C client answers synchronous calls on its IO
//   thread, so this does not deadlock. They must not destroy the client (zookeeper_close joins the
//   completion thread) and should not block for long: no other event is delivered meanwhile.
//   An exception escaping a callback is caught and reported on stderr.
// * The destructor closes the session (ephemeral nodes go at once) and returns only after the
//   completion thread is joined, so no callback runs after it; none starts once it has begun.
//   If a callback captures state by reference, destroy the client (or unwatch()) before that state.
// * The C client's own log is silent unless FLAMESTREAM_ZK_LOG=error|warn|info|debug is set
//   (at ERROR level it still prints every failed reconnection attempt).
//
// Watches
// -------
// ZooKeeper's watches are one-shot; this wrapper re-arms them itself before calling back, so a
// watch registered with children_watch()/data_watch() stays active until unwatch() or the end of
// the session. A callback means "something may have changed: read again"; events may coalesce
// (two quick changes can produce one call) but a change after the re-arm is never lost.
// watch_version() counts delivered watch events (across all watches) and wait_for_change() blocks
// on it, for callers that prefer polling to callbacks.
// Across a lost-and-regained connection, the C client re-registers watches itself; callbacks are
// also invoked once after each reconnection (changes may have been missed while disconnected).
// An expired session loses every watch: create a new client.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct _zhandle;  // zhandle_t of <zookeeper/zookeeper.h>

namespace flamestream {

class ZkError : public std::runtime_error {
 public:
  explicit ZkError(const std::string& what, int code = 0) : std::runtime_error(what), code_(code) {}
  // The C client's return code (ZNONODE, ZCONNECTIONLOSS, ...), 0 if none applies.
  int code() const noexcept { return code_; }
  static constexpr int kNodeExists = -110;  // ZNODEEXISTS, for callers without the C headers
  static constexpr int kNoAuth = -102;      // ZNOAUTH: the node's ACL refuses this session

 private:
  int code_;
};

enum class ZkMode { persistent, ephemeral, persistent_sequential, ephemeral_sequential };

class ZkClient {
 public:
  using Callback = std::function<void()>;

  // Connects and waits (at most `timeout`) for the session to be established; the C client retries
  // by itself meanwhile. Throws ZkError if not connected by then (the handle is closed).
  // With `digest` ("user:password"), the session authenticates with it (the C client sends it
  // again after every reconnection) and every node it creates is readable and writable by that
  // identity only: sessions without it get ZNOAUTH.
  static std::unique_ptr<ZkClient> connect(
      const std::string& hosts, std::chrono::milliseconds timeout,
      std::chrono::milliseconds session_timeout = std::chrono::milliseconds(10000),
      const std::string& digest = {});

  ~ZkClient();
  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;

  // Creates a node (the parent must exist); returns the created path (with the sequence suffix for
  // sequential modes). Throws ZkError (ZNODEEXISTS, ZNONODE for a missing parent, ...).
  std::string create(const std::string& path, const std::string& data = {},
                     ZkMode mode = ZkMode::persistent);
  // Creates `path` and its missing ancestors as empty persistent nodes; existing nodes are fine.
  void ensure_path(const std::string& path);
  // The node's data, std::nullopt if it does not exist. Values up to the server's jute.maxbuffer
  // (about 1 MB) are supported.
  std::optional<std::string> get(const std::string& path);
  void set(const std::string& path, const std::string& data);
  // Compare-and-set: the data with the node's version; a write that succeeds only if the node is
  // still at `version` (false if another write came first). Throws ZkError otherwise.
  struct Versioned {
    std::string data;
    std::int32_t version = 0;
  };
  std::optional<Versioned> get_versioned(const std::string& path);
  bool set_if_version(const std::string& path, const std::string& data, std::int32_t version);
  bool exists(const std::string& path);
  // Children names (not full paths), sorted. Throws ZkError (ZNONODE) if the node does not exist.
  std::vector<std::string> children(const std::string& path);
  // Removes one node (must have no children). Throws ZkError, ZNONODE included.
  void remove(const std::string& path);
  // Removes a node and its subtree; a missing node is not an error.
  void remove_recursive(const std::string& path);

  // Keeps a watch on the children of `path` (a child added or removed; the node created or deleted:
  // the node need not exist yet). `on_change` may be empty (then only watch_version() moves).
  // Registering the same path again replaces the callback.
  void children_watch(const std::string& path, Callback on_change);
  // Keeps a watch on the node itself: data changed, node created or deleted.
  void data_watch(const std::string& path, Callback on_change);
  // Stops both kinds of watch on `path`. When it returns, their callbacks are not running and will
  // not run again (called from inside such a callback, it cannot wait for that callback to finish).
  // The pending server-side one-shot watch still fires once, unseen.
  void unwatch(const std::string& path);

  // Number of watch events delivered so far (before their callbacks ran).
  std::uint64_t watch_version() const;
  // Waits until watch_version() > seen; false on timeout or once the session has expired.
  bool wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) const;

  // Session state. connected() is false while the C client is reconnecting. expired() is final.
  bool connected() const;
  bool expired() const;
  // Called (on the completion thread) once when the session expires; if it has already expired,
  // called at once on the calling thread.
  void on_expired(Callback callback);
  std::int64_t session_id() const;
  // The negotiated session timeout.
  std::chrono::milliseconds session_timeout() const;
  // The connect string passed to connect().
  const std::string& hosts() const { return hosts_; }

  // Escape hatch to the C API (e.g. for tests that steal the session); do not close it.
  _zhandle* native_handle() noexcept { return zh_; }

 private:
  enum class WatchKind { children, data };
  struct Watch {
    ZkClient* client;
    std::string path;
    WatchKind kind;
    bool active = true;
    Callback callback;
  };

  explicit ZkClient(std::string hosts);

  static void session_watcher(_zhandle* zh, int type, int state, const char* path, void* ctx);
  static void node_watcher(_zhandle* zh, int type, int state, const char* path, void* ctx);
  void handle_session_event(int state);
  void handle_node_event(Watch* watch, int type);
  // Registers the server-side watch again; false if the connection is down (retried on reconnect).
  bool arm(Watch* watch);
  void arm_from_callback(Watch* watch);
  void add_watch(const std::string& path, WatchKind kind, Callback on_change);
  void deliver(Watch* watch);
  void run_callback(const Callback& callback, const char* what) const;

  std::string hosts_;
  _zhandle* zh_ = nullptr;
  bool authenticated_ = false;  // nodes get the creator-only ACL

  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  bool connected_ = false;
  bool expired_ = false;
  bool closing_ = false;
  const Watch* running_ = nullptr;  // the watch whose callback runs right now
  bool ever_connected_ = false;
  std::uint64_t watch_version_ = 0;
  Callback on_expired_;
  // Stable addresses: the C client holds Watch* as watcher contexts until the handle is closed.
  std::map<std::pair<std::string, WatchKind>, std::unique_ptr<Watch>> watches_;
};

}  // namespace flamestream
