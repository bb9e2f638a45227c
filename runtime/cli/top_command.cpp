// `flamestream top`: once a second, finds the running (latest) tick and its workers in ZooKeeper,
// reads each worker's metrics endpoint (the address it registered with `worker --metrics`), and
// draws one line per worker: lines/s into its fronts, items/s through its operations, releases/s,
// the minimal time's lag, replays, sink buffer, commits and epoch. Rates are the change since the
// previous refresh. `q` quits. Nothing here writes to the cluster.
#include "runtime/cli/top_command.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "runtime/cli/key_options.h"
#include "runtime/cli/options.h"
#include "runtime/cluster/cluster_state.h"
#include "runtime/metrics/http_fetch.h"
#include "runtime/metrics/metric_names.h"
#include "runtime/metrics/scrape.h"

namespace flamestream {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_quit{false};
extern "C" void on_quit_signal(int) { g_quit = true; }

// Non-canonical, unechoed input while it lives, so `q` needs no Enter; restored however it ends.
class RawTerminal {
 public:
  RawTerminal() {
    if (!::isatty(0) || ::tcgetattr(0, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

struct Totals {
  double lines = 0, items = 0, released = 0, replays = 0;
  Clock::time_point at;
};

struct WorkerView {
  std::string text;  // the drawn line
  std::optional<Totals> totals;
};

std::string rate(double now, double before, double seconds) {
  if (seconds <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", (now - before) / seconds);
  return buf;
}

WorkerView view_of(const std::string& name, const Registration* r, const std::optional<Totals>& before) {
  char line[512];
  if (!r) {
    std::snprintf(line, sizeof line, "%-10s not registered", name.c_str());
    return {line, std::nullopt};
  }
  if (r->metrics.empty()) {
    std::snprintf(line, sizeof line, "%-10s no metrics endpoint (start it with --metrics)", name.c_str());
    return {line, std::nullopt};
  }
  std::vector<metrics::Sample> samples;
  try {
    const auto reply = metrics::http_get(r->metrics, "/metrics", std::chrono::milliseconds(500));
    if (reply.status != 200) throw metrics::HttpError("HTTP " + std::to_string(reply.status));
    samples = metrics::parse_exposition(reply.body);
  } catch (const metrics::HttpError& e) {
    std::snprintf(line, sizeof line, "%-10s %-21s unreachable: %s", name.c_str(), r->metrics.c_str(), e.what());
    return {line, std::nullopt};
  }
  using namespace metrics;
  Totals t;
  t.at = Clock::now();
  t.lines = sum_of(samples, kItemsIn, {{"op", "front"}});
  t.items = sum_of(samples, kItemsIn);
  t.released = sum_of(samples, kBarrierReleased);
  t.replays = sum_of(samples, kReplays);
  const double seconds = before ? std::chrono::duration<double>(t.at - before->at).count() : 0;
  const auto r_of = [&](double Totals::*f) { return before ? rate(t.*f, (*before).*f, seconds) : std::string("-"); };
  std::snprintf(line, sizeof line, "%-10s %-21s %10.0f %9s %10s %10s %8.3f %9.0f %9s %8.0f %7.0f %6.3f %5.0f",
                name.c_str(), r->metrics.c_str(), t.lines, r_of(&Totals::lines).c_str(), r_of(&Totals::items).c_str(),
                r_of(&Totals::released).c_str(), sum_of(samples, kMinTimeLag), t.replays,
                r_of(&Totals::replays).c_str(), sum_of(samples, kSinkBuffered), sum_of(samples, kCommits),
                sum_of(samples, kLastCommitSeconds), sum_of(samples, kEpoch));
  return {line, t};
}

// Draws one frame; `previous` keeps each worker's totals for the next frame's rates.
std::string frame(ZkClient& zk, const std::string& connect, std::map<std::string, Totals>& previous) {
  std::ostringstream out;
  out << "flamestream top  " << connect << "  (q quits)\n";
  const auto tick = latest_tick(zk);
  if (!tick) {
    out << "no tick submitted yet\n";
    return out.str();
  }
  out << tick->node << "  graph " << tick->spec.graph;
  if (const auto progress = read_progress(zk, *tick))
    out << "  " << (progress->done ? "done" : "running");
  if (const auto failure = read_failure(zk, *tick)) out << "  FAILED: " << *failure;
  out << "\n\n";
  char header[512];
  std::snprintf(header, sizeof header, "%-10s %-21s %10s %9s %10s %10s %8s %9s %9s %8s %7s %6s %5s", "WORKER",
                "METRICS", "LINES", "LINES/s", "ITEMS/s", "RELEASE/s", "LAG s", "REPLAYS", "REPLAY/s",
                "BUFFERED", "COMMITS", "LAST s", "EPOCH");
  out << header << "\n";
  const auto registered = registered_workers(zk);
  std::map<std::string, Totals> now;
  for (const std::string& name : tick->spec.workers) {
    const auto it = registered.find(name);
    const auto before = previous.find(name);
    const WorkerView v = view_of(name, it == registered.end() ? nullptr : &it->second,
                                 before == previous.end() ? std::nullopt : std::optional<Totals>(before->second));
    out << v.text << "\n";
    if (v.totals) now[name] = *v.totals;
  }
  previous = std::move(now);
  return out.str();
}

}  // namespace

std::string top_usage() {
  return "usage: flamestream top --zk HOST:PORT [--key-file FILE | --insecure]\n"
         "\n"
         "A live view of the running (latest) tick, refreshed each second: for each of its\n"
         "workers, the lines its fronts took (total and per second), items per second through\n"
         "its operations, releases per second, the minimal time's lag in seconds, replays\n"
         "(total and per second), items its sinks hold, commits, the last commit's duration and\n"
         "the epoch. Read from the metrics endpoint each worker registered (`flamestream\n"
         "worker --metrics`); a worker without one is listed as such. q quits (so do SIGINT\n"
         "and SIGTERM).\n"
         "\n" +
         key_usage();
}

int top_command(const std::vector<std::string>& args) {
  const Options opts(args, {"zk", kKeyFileOption}, {"help", kInsecureFlag});
  if (opts.flag("help")) return std::cout << top_usage(), 0;
  const std::string connect = opts.value("zk", "");
  const auto key = cluster_key(opts);
  auto zk = connect_zk(connect, key ? &*key : nullptr);
  ensure_layout(*zk);
  std::signal(SIGINT, on_quit_signal);
  std::signal(SIGTERM, on_quit_signal);
  RawTerminal raw;
  std::map<std::string, Totals> previous;
  bool input_open = true;
  while (!g_quit) {
    std::string text;
    try {
      text = frame(*zk, connect, previous);
    } catch (const ZkError& e) {
      text = "flamestream top  " + connect + "  (q quits)\nZooKeeper: " + std::string(e.what()) + "\n";
    }
    std::cout << "\x1b[H\x1b[2J" << text << std::flush;
    // Until the next second, or a key.
    const auto next = Clock::now() + std::chrono::seconds(1);
    while (!g_quit && Clock::now() < next) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
      pollfd p{0, POLLIN, 0};
      if (!input_open) {
        ::poll(nullptr, 0, static_cast<int>(std::max<long long>(left, 0)));
        continue;
      }
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0))) <= 0) continue;
      char c = 0;
      const ssize_t n = ::read(0, &c, 1);
      if (n == 0) input_open = false;  // stdin ended (not a terminal): only a signal stops it
      if (n == 1 && (c == 'q' || c == 'Q')) g_quit = true;
    }
  }
  return 0;
}

}  // namespace flamestream
