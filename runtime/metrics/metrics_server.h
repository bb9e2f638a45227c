// Serves a worker's metrics over HTTP, in the Prometheus text format, with civetweb.
//
// `--metrics ADDRESS` on a worker: ADDRESS is HOST:PORT or a bare PORT (then 127.0.0.1, loopback:
// metrics tell what a job does, and nothing outside the machine should see that unless asked).
// GET /metrics answers the exposition; everything else is 404. The server runs its own threads and
// only reads WorkerMetrics (which locks), so the event loop never waits for a scrape. Invariant:
// a constructed server is listening; one that cannot listen throws at construction, naming the
// address.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

struct mg_context;
struct mg_connection;

namespace flamestream::metrics {

class MetricsServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// HOST:PORT from what the user gave (a bare port means 127.0.0.1); throws MetricsServerError on
// anything else (no port, a port outside 1-65535, characters a host cannot have).
std::string parse_metrics_address(const std::string& given);

class MetricsServer {
 public:
  // Listens on `address` (parse_metrics_address's form) and answers GET /metrics with `body()`.
  MetricsServer(const std::string& address, std::function<std::string()> body);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  const std::string& address() const { return address_; }

 private:
  static int handle(::mg_connection* conn, void* self);

  std::string address_;
  std::function<std::string()> body_;
  mg_context* context_ = nullptr;
};

}  // namespace flamestream::metrics
