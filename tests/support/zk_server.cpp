#include "tests/support/zk_server.h"

#include "runtime/coordination/zk_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace flamestream::test_support {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kDefaultClasspath =
    "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar";

[[noreturn]] void sys_fail(const std::string& what) {
  throw std::runtime_error("ZkServer: " + what + ": " + std::strerror(errno));
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

bool executable_file(const std::filesystem::path& p) {
  return ::access(p.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(p);
}

std::string find_java() {
  if (const char* java = std::getenv("JAVA"); java != nullptr && *java != '\0') return java;
  if (const char* home = std::getenv("JAVA_HOME"); home != nullptr && *home != '\0') {
    const auto p = std::filesystem::path(home) / "bin" / "java";
    if (executable_file(p)) return p.string();
  }
  std::istringstream path(env_or("PATH", "/usr/local/bin:/usr/bin:/bin"));
  for (std::string dir; std::getline(path, dir, ':');) {
    if (dir.empty()) continue;
    const auto p = std::filesystem::path(dir) / "java";
    if (executable_file(p)) return p.string();
  }
  throw std::runtime_error(
      "ZkServer: no java binary (set JAVA or JAVA_HOME; Debian: default-jre-headless)");
}

// True if something accepts TCP connections on 127.0.0.1:port right now.
bool port_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Sends a four-letter command to 127.0.0.1:port and returns the answer ("" on any failure). Every
// step is bounded by `timeout`: a connection accepted early in the server's startup is never
// answered.
std::string four_letter(std::uint16_t port, const char* command, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  const auto deadline = Clock::now() + timeout;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, command, std::strlen(command), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(std::strlen(command))) {
    char buf[1024];
    while (Clock::now() < deadline) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;  // EOF (the server closes after answering), timeout or error
      answer.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

}  // namespace

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) sys_fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    sys_fail("bind 127.0.0.1:0");
  }
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    sys_fail("getsockname");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

ZkServer::ZkServer() : ZkServer(Options{}) {}

ZkServer::ZkServer(Options options) : options_(options) {
  const std::string base = env_or("TMPDIR", "/tmp");
  std::string templ = base + "/flamestream-zk-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) sys_fail("mkdtemp in " + base);
  dir_ = templ;
  std::filesystem::create_directories(dir_ / "data");
  port_ = free_loopback_port();
  std::ofstream cfg(dir_ / "zoo.cfg");
  cfg << "tickTime=" << options_.tick_time_ms << "\n"
      << "dataDir=" << (dir_ / "data").string() << "\n"
      << "clientPort=" << port_ << "\n"
      << "clientPortAddress=" << options_.client_address << "\n"
      << "admin.enableServer=false\n"
      << "4lw.commands.whitelist=ruok,srvr,stat,mntr\n";
  cfg.close();
  if (!cfg) throw std::runtime_error("ZkServer: cannot write " + (dir_ / "zoo.cfg").string());
  try {
    start();
  } catch (...) {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

ZkServer::~ZkServer() {
  try {
    stop();
  } catch (...) {
  }
  if (env_or("FLAMESTREAM_ZK_KEEP_DIR", "") != "1") {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string ZkServer::connect_string() const { return "127.0.0.1:" + std::to_string(port_); }

void ZkServer::start() {
  if (running()) return;
  const auto began = Clock::now();
  spawn();
  try {
    wait_until_serving();
  } catch (...) {
    stop();
    throw;
  }
  last_start_duration_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
}

void ZkServer::spawn() {
  const std::string java = find_java();
  const std::string classpath = env_or("FLAMESTREAM_ZK_CLASSPATH", kDefaultClasspath);
  const std::string main_jar = classpath.substr(0, classpath.find(':'));
  if (!std::filesystem::exists(main_jar)) {
    throw std::runtime_error("ZkServer: " + main_jar +
                             " missing (Debian: apt-get install libzookeeper-java)");
  }
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe calls.
  std::vector<std::string> args = {java,        "-Xmx256m",
                                   "-XX:+UseSerialGC",
                                   "-XX:TieredStopAtLevel=1",  // faster start, plenty for tests
                                   "-cp",       classpath,
                                   "org.apache.zookeeper.server.ZooKeeperServerMain",
                                   (dir_ / "zoo.cfg").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const int log_fd = ::open((dir_ / "server.log").c_str(),
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) sys_fail("open server.log");
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    sys_fail("open /dev/null");
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    sys_fail("fork");
  }
  if (pid == 0) {
    // Child. Die with the test process; bail out if it is already gone.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    // Do not leak the test's sockets (ZooKeeper client connections, ...) into the JVM.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  pid_ = pid;
}

void ZkServer::wait_until_serving() {
  const auto deadline = Clock::now() + options_.start_timeout;
  auto check_alive = [&] {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("ZkServer: java exited during startup (status " +
                               std::to_string(status) + "); server.log:\n" + log_tail());
    }
  };
  // Cheap phase: wait for the listening socket (refused connections fail at once), then for
  // `srvr` to report the standalone mode, with short probes (early connections hang, see below).
  while (!port_accepts(port_) ||
         four_letter(port_, "srvr", 250ms).find("Mode: standalone") == std::string::npos) {
    check_alive();
    if (Clock::now() >= deadline) {
      throw std::runtime_error("ZkServer: port " + std::to_string(port_) + " not serving after " +
                               std::to_string(options_.start_timeout.count()) +
                               " ms; server.log:\n" + log_tail());
    }
    std::this_thread::sleep_for(20ms);
  }
  // A session must be established: the port accepts before the server serves, and a connection
  // accepted that early is never answered (the client would wait out its receive timeout). So each
  // probe is short and bounded, with a fresh connection each time; the bound grows in case the
  // machine is just slow.
  std::string last_error;
  auto probe_timeout = 1000ms;
  while (Clock::now() < deadline) {
    check_alive();
    try {
      auto probe = ZkClient::connect(connect_string(), probe_timeout, 4000ms);
      return;  // probe's destructor closes the session
    } catch (const ZkError& e) {
      last_error = e.what();
    }
    probe_timeout = std::min(probe_timeout + 1000ms, std::chrono::milliseconds(5000));
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("ZkServer: not serving after " +
                           std::to_string(options_.start_timeout.count()) + " ms (" + last_error +
                           "); server.log:\n" + log_tail());
}

void ZkServer::stop() {
  if (pid_ <= 0) return;
  const pid_t pid = pid_;
  pid_ = -1;
  int status = 0;
  if (::kill(pid, SIGTERM) != 0 && errno == ESRCH) {
    ::waitpid(pid, &status, WNOHANG);
    return;
  }
  const auto deadline = Clock::now() + 5s;
  while (Clock::now() < deadline) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(10ms);
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string ZkServer::log_tail() const {
  std::ifstream in(dir_ / "server.log", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t kTail = 3000;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

}  // namespace flamestream::test_support
