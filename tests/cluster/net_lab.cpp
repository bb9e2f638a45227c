#include "tests/cluster/net_lab.h"

#include <filesystem>
#include <sched.h>
#include <stdexcept>
#include <unistd.h>

#include "tests/cluster/process.h"

namespace flamestream::test_support {

namespace {

constexpr const char* kPrefix = "fslinks-";

std::string ip_binary() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (std::filesystem::exists(path)) return path;
  throw std::runtime_error("no 'ip' command (Debian: iproute2)");
}

void ip(std::vector<std::string> args) {
  args.insert(args.begin(), ip_binary());
  const RunResult r = run(args, {}, std::chrono::seconds(10));
  if (r.status == 0 && !r.timed_out) return;
  std::string command;
  for (const auto& a : args) command += (command.empty() ? "" : " ") + a;
  throw std::runtime_error("'" + command + "' failed (" + describe(r.status) + "): " + r.err);
}

// Namespaces of earlier test processes that are gone (killed before their destructor ran).
void remove_stale() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
    const std::string name = entry.path().filename();
    if (name.rfind(kPrefix, 0) != 0) continue;
    const std::string pid = name.substr(std::string(kPrefix).size(), name.find('-', std::string(kPrefix).size()) -
                                                                        std::string(kPrefix).size());
    if (std::filesystem::exists("/proc/" + pid)) continue;
    try {
      ip({"netns", "del", name});
    } catch (const std::exception&) {
    }
  }
}

}  // namespace

NetLab::NetLab(std::size_t hosts) {
  if (::geteuid() != 0) throw std::runtime_error("the partition test needs root (network namespaces)");
  if (::unshare(CLONE_NEWNET) != 0) throw std::runtime_error("unshare(CLONE_NEWNET) failed");
  remove_stale();
  ip({"link", "set", "lo", "up"});
  ip({"link", "add", "fsbr", "type", "bridge"});
  ip({"addr", "add", std::string(kBridgeAddress) + "/24", "dev", "fsbr"});
  ip({"link", "set", "fsbr", "up"});
  try {
    for (std::size_t i = 0; i < hosts; ++i) {
      const std::string name = kPrefix + std::to_string(::getpid()) + "-" + std::to_string(i + 1);
      ip({"netns", "add", name});
      names_.push_back(name);
      const std::string outside = "fsv" + std::to_string(i + 1), inside = "fsp" + std::to_string(i + 1);
      ip({"link", "add", outside, "type", "veth", "peer", "name", inside});
      ip({"link", "set", inside, "netns", name});
      ip({"link", "set", outside, "master", "fsbr", "up"});
      ip({"-n", name, "addr", "add", address(i) + "/24", "dev", inside});
      ip({"-n", name, "link", "set", inside, "up"});
      ip({"-n", name, "link", "set", "lo", "up"});
    }
  } catch (...) {
    for (const auto& name : names_) run({ip_binary(), "netns", "del", name});
    throw;
  }
}

NetLab::~NetLab() {
  for (const auto& name : names_) run({ip_binary(), "netns", "del", name});
}

std::string NetLab::address(std::size_t host) const { return "10.77.0." + std::to_string(11 + host); }
std::string NetLab::ns(std::size_t host) const { return names_.at(host); }

std::vector<std::string> NetLab::exec_in(std::size_t host) const {
  return {ip_binary(), "netns", "exec", ns(host)};
}

void NetLab::cut(std::size_t a, std::size_t b) {
  ip({"-n", ns(a), "route", "add", "blackhole", address(b) + "/32"});
  ip({"-n", ns(b), "route", "add", "blackhole", address(a) + "/32"});
}

void NetLab::heal(std::size_t a, std::size_t b) {
  ip({"-n", ns(a), "route", "del", "blackhole", address(b) + "/32"});
  ip({"-n", ns(b), "route", "del", "blackhole", address(a) + "/32"});
}

}  // namespace flamestream::test_support
