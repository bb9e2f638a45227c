// The workers' metrics endpoints (`flamestream worker --metrics`) as a real Prometheus server
// sees them: three workers run word count while Prometheus (Debian's `prometheus`) scrapes them
// every second; its HTTP API must then report the front's items-in counter equal to the lines
// ingested and the minimal-time lag gauge of every worker, and `promtool check metrics` must
// accept what an endpoint serves. Also: a metrics port already taken stops a worker at start.

#include "tests/cluster/cluster_fixture.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "runtime/metrics/http_fetch.h"

namespace flamestream::cluster_test {
namespace {

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

class MetricsTest : public ClusterTest {
 protected:
  // Workers w1..w3, each serving metrics on a free loopback port; their metrics addresses.
  std::vector<std::string> start_metric_workers(std::vector<Worker>& workers) {
    std::vector<std::string> addresses;
    for (const std::string name : {"w1", "w2", "w3"}) {
      const std::string address = "127.0.0.1:" + std::to_string(test_support::free_loopback_port());
      workers.push_back(start_worker(name, {"--metrics", address}));
      addresses.push_back(address);
    }
    return addresses;
  }

  // Starts Prometheus on a free loopback port, scraping `targets` every second; waits until ready.
  std::string start_prometheus(const std::vector<std::string>& targets) {
    const std::string address = "127.0.0.1:" + std::to_string(test_support::free_loopback_port());
    std::string list;
    for (const auto& t : targets) list += (list.empty() ? "'" : ", '") + t + "'";
    const fs::path config = dir_ / "prometheus.yml";
    test_support::write_file(config, "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                                     "scrape_configs:\n  - job_name: flamestream\n"
                                     "    static_configs:\n      - targets: [" + list + "]\n");
    processes_.push_back(std::make_unique<Process>(
        std::vector<std::string>{kPrometheus, "--config.file=" + config.string(),
                                 "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
                                 "--web.listen-address=" + address},
        dir_ / "prometheus.out", dir_ / "prometheus.err", "/dev/null"));
    Process& p = *processes_.back();
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline) {
      try {
        if (metrics::http_get(address, "/-/ready").status == 200) return address;
      } catch (const metrics::HttpError&) {
      }
      if (!p.running()) break;
      std::this_thread::sleep_for(100ms);
    }
    throw std::runtime_error("prometheus did not get ready within 20 s; stderr: " + p.read_stderr());
  }

  // Prometheus's answer to an instant query: the value of each series of the result.
  static std::vector<double> query(const std::string& prometheus, const std::string& expression) {
    const auto r = metrics::http_get(prometheus, "/api/v1/query?query=" + url_encode(expression));
    if (r.status != 200) throw std::runtime_error("query " + expression + ": HTTP " + std::to_string(r.status) + ": " + r.body);
    const auto json = nlohmann::json::parse(r.body);
    if (json.at("status") != "success") throw std::runtime_error("query " + expression + ": " + r.body);
    std::vector<double> values;
    for (const auto& series : json.at("data").at("result"))
      values.push_back(std::stod(series.at("value").at(1).get<std::string>()));
    return values;
  }
};

TEST_F(MetricsTest, PrometheusScrapesThreeWorkersRunningWordCount) {
  const fs::path input = write_text(3, 20000, 2000);
  const std::size_t lines = count_lines(test_support::read_file(input));
  std::vector<Worker> workers;
  const auto targets = start_metric_workers(workers);
  const std::string prometheus = start_prometheus(targets);
  const std::string node = submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json");
  wait_until_running(workers, node);
  // ingest with --progress: its last report sums the whole file on stderr.
  Process& tail = spawn("tail", {"tail", "--zk", zk_, "--sink", "out"});
  Process& ingest = spawn("ingest", {"ingest", "--zk", zk_, "--front", "in", "--progress", input.string()});
  ASSERT_EQ(ingest.wait_for(60s), std::optional<int>(0)) << ingest.read_stderr();
  ASSERT_EQ(tail.wait_for(60s), std::optional<int>(0)) << tail.read_stderr();
  const std::string output = tail.read_stdout();
  EXPECT_GT(count_lines(output), 0u);
  EXPECT_NE(ingest.read_stderr().find("flamestream ingest: read " + std::to_string(lines) + " lines, "),
            std::string::npos) << ingest.read_stderr();
  EXPECT_NE(ingest.read_stderr().find("100 % of "), std::string::npos) << ingest.read_stderr();

  // The scrapes after the job (each target's first comes within a second of Prometheus's start,
  // at its own offset): the front's counter reaches the lines ingested, the sinks' releases what
  // tail printed, and every worker's lag gauge is there.
  const std::string items_in = "sum(flamestream_items_in_total{job=\"flamestream\",node=\"in\"})";
  const std::string released = "sum(flamestream_barrier_released_total)";
  const std::string lags = "count(flamestream_min_time_lag_seconds)";
  const std::vector<double> want_in{static_cast<double>(lines)};
  const std::vector<double> want_released{static_cast<double>(count_lines(output))};
  std::vector<double> in, out, lag;
  const auto deadline = Clock::now() + 15s;
  while (Clock::now() < deadline) {
    in = query(prometheus, items_in);
    out = query(prometheus, released);
    lag = query(prometheus, lags);
    if (in == want_in && out == want_released && lag == std::vector<double>{3}) break;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_EQ(in, want_in) << "the front's items-in counter is not the lines ingested";
  EXPECT_EQ(out, want_released) << "the sinks' released counter is not what tail printed";
  EXPECT_EQ(lag, std::vector<double>{3}) << "not every worker exported its minimal-time lag";
  EXPECT_EQ(query(prometheus, "sum(up{job=\"flamestream\"})"), std::vector<double>{3});
  // Word count's items went through its grouping: more of them than lines.
  EXPECT_GT(query(prometheus, "sum(flamestream_items_in_total{op=\"grouping\"})").at(0), static_cast<double>(lines));

  // promtool accepts what an endpoint serves (format and Prometheus's naming lints).
  const auto exposition = metrics::http_get(targets[0], "/metrics");
  ASSERT_EQ(exposition.status, 200);
  const RunResult check = test_support::run({kPromtool, "check", "metrics"}, exposition.body);
  EXPECT_EQ(check.status, 0) << check.out << check.err << "\n" << exposition.body;
  EXPECT_EQ(metrics::http_get(targets[0], "/other").status, 404);
}

// `flamestream top` under tmux: it draws the running tick's three workers from their endpoints,
// the front's line count among them once word count ran, and exits on q.
TEST_F(MetricsTest, TopDrawsTheWorkersAndQuitsOnQ) {
  const fs::path input = write_text(5, 10000, 1000);
  const std::size_t lines = count_lines(test_support::read_file(input));
  std::vector<Worker> workers;
  start_metric_workers(workers);
  const std::string node = submit_file(fs::path(source_root_) / "graphs/ticks/wordcount-3.json");
  wait_until_running(workers, node);

  const std::string socket = "flamestream-top-" + std::to_string(::getpid());
  const auto tmux = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/tmux", "-L", socket});
    return test_support::run(args);
  };
  const std::string command = bin_ + " top --zk " + zk_ + " --key-file " + key_file_.string() + " 2>" +
                              (dir_ / "top.err").string();
  ASSERT_EQ(tmux({"new-session", "-d", "-s", "top", "-x", "200", "-y", "40", command}).status, 0);
  struct KillServer {
    std::function<void()> f;
    ~KillServer() { f(); }
  } kill_server{[&] { tmux({"kill-server"}); }};

  ingest_and_tail(input, node, lines);
  // The front's worker shows every line ingested, each worker has its row, the tick is named.
  std::string pane;
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    pane = tmux({"capture-pane", "-p", "-t", "top"}).out;
    if (pane.find(" " + std::to_string(lines) + " ") != std::string::npos) break;
    std::this_thread::sleep_for(200ms);
  }
  std::printf("top drew:\n%s\n", pane.c_str());
  EXPECT_NE(pane.find(node + "  graph wordcount"), std::string::npos) << pane;
  EXPECT_NE(pane.find("LINES/s"), std::string::npos) << pane;
  for (const char* name : {"w1", "w2", "w3"}) {
    const auto row = pane.find(std::string("\n") + name + " ");
    ASSERT_NE(row, std::string::npos) << "no row for " << name << ":\n" << pane;
    EXPECT_EQ(pane.find("unreachable", row), std::string::npos) << pane;
  }
  EXPECT_NE(pane.find(" " + std::to_string(lines) + " "), std::string::npos)
      << "no worker shows the " << lines << " lines ingested:\n" << pane;

  ASSERT_EQ(tmux({"send-keys", "-t", "top", "q"}).status, 0);
  bool gone = false;
  for (const auto until = Clock::now() + 5s; Clock::now() < until && !gone;) {
    gone = tmux({"has-session", "-t", "top"}).status != 0;
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone) << "top did not exit on q:\n" << tmux({"capture-pane", "-p", "-t", "top"}).out;
}

TEST_F(MetricsTest, ATakenMetricsPortStopsTheWorkerAtStart) {
  // Hold a loopback port, as another program would.
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  const RunResult r = flamestream({"worker", "--zk", zk_, "--name", "w1", "--listen",
                                   "tcp://127.0.0.1:" + std::to_string(test_support::free_loopback_port()),
                                   "--data-dir", (dir_ / "w1-data").string(), "--metrics", address},
                                  {}, 20s);
  ::close(holder);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("cannot serve metrics on " + address), std::string::npos) << r.err;
  EXPECT_TRUE(registered_workers().empty()) << "the worker registered before it failed";
  // And an address that is no address is refused by name.
  const RunResult bad = flamestream({"worker", "--zk", zk_, "--name", "w2", "--listen", "tcp://127.0.0.1:1",
                                     "--metrics", "127.0.0.1:99999"});
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("--metrics '127.0.0.1:99999'"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace flamestream::cluster_test
