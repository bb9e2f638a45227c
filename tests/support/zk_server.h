#pragma once

// A real ZooKeeper server (Java, standalone) for tests: fork/exec of ZooKeeperServerMain with a
// config in a fresh temp dir, listening on 127.0.0.1 only (Options::client_address), on a free port.
//
// * The constructor starts it and returns once it serves (a client session was established);
//   throws std::runtime_error (with the tail of the server's output) if it does not.
// * stop() sends SIGTERM to the PID, waits (bounded), then SIGKILL. start() starts it again on the
//   same port and data dir, so data and sessions survive a restart.
// * The destructor stops it and removes the temp dir.
// * The Java process gets PR_SET_PDEATHSIG(SIGKILL): if the test process dies, so does the server.
//   (Linux ties this to the *thread* that forked: create and restart the server from a thread that
//   outlives it, e.g. the main thread / gtest's SetUpTestSuite.)
//
// Environment: JAVA (path of the java binary, default: $JAVA_HOME/bin/java, else java on PATH),
// FLAMESTREAM_ZK_CLASSPATH (default /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar,
// the jars of Debian's libzookeeper-java and libslf4j-java), FLAMESTREAM_ZK_KEEP_DIR=1 keeps the
// temp dir (server.log, data) for inspection.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

namespace flamestream::test_support {

class ZkServer {
 public:
  struct Options {
    int tick_time_ms = 2000;  // sessions may last 2..20 ticks
    std::chrono::milliseconds start_timeout{20000};
    // Where it listens: 127.0.0.1, or 0.0.0.0 for clients in other network namespaces (the
    // readiness probes still go to 127.0.0.1).
    std::string client_address = "127.0.0.1";
  };

  ZkServer();
  explicit ZkServer(Options options);
  ~ZkServer();
  ZkServer(const ZkServer&) = delete;
  ZkServer& operator=(const ZkServer&) = delete;

  // Starts the server (again) and waits until it serves. No-op if running.
  void start();
  // Stops the server: SIGTERM, wait up to 5 s, then SIGKILL. No-op if not running.
  void stop();
  bool running() const { return pid_ > 0; }

  std::string connect_string() const;  // "127.0.0.1:<port>"
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& dir() const { return dir_; }
  // How long the last start() took until the server served.
  std::chrono::milliseconds last_start_duration() const { return last_start_duration_; }

 private:
  void spawn();
  void wait_until_serving();
  std::string log_tail() const;

  Options options_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::chrono::milliseconds last_start_duration_{0};
};

// Binds port 0 on 127.0.0.1, reads the port the kernel chose, closes the socket.
std::uint16_t free_loopback_port();

}  // namespace flamestream::test_support
