#pragma once

// Network namespaces for the partition tests (root only, as in CI).
//
// The test process first moves into a private network namespace of its own, so nothing it sets
// up touches the host's network: there a bridge holds 10.77.0.1/24 (where ZooKeeper and the
// client commands are), and each host i (0-based) is a named namespace joined to the bridge by a
// veth pair, with address 10.77.0.(11 + i). Namespace names carry the test's PID; ones left behind
// by a test process that no longer runs are removed first. cut(i, j) drops every packet between
// hosts i and j (a blackhole route each way, inside the hosts) while both still reach the bridge;
// heal(i, j) removes it. The destructor deletes the namespaces (the bridge and the veth pairs go
// with the private namespace when the process ends). Every failure throws with the command and
// its error output.

#include <string>
#include <vector>

namespace flamestream::test_support {

class NetLab {
 public:
  static constexpr const char* kBridgeAddress = "10.77.0.1";

  // Call from the main thread before any other thread or child process starts: they inherit the
  // private namespace only if started after.
  explicit NetLab(std::size_t hosts);
  ~NetLab();
  NetLab(const NetLab&) = delete;
  NetLab& operator=(const NetLab&) = delete;

  std::string address(std::size_t host) const;
  // The command prefix that runs a program inside host i's namespace.
  std::vector<std::string> exec_in(std::size_t host) const;
  void cut(std::size_t a, std::size_t b);
  void heal(std::size_t a, std::size_t b);

 private:
  std::string ns(std::size_t host) const;
  std::vector<std::string> names_;
};

}  // namespace flamestream::test_support
