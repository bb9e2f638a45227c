#include "runtime/metrics/metrics_server.h"

#include <civetweb.h>

#include <mutex>

#include "runtime/metrics/exposition.h"

namespace flamestream::metrics {

std::string parse_metrics_address(const std::string& given) {
  const auto colon = given.rfind(':');
  const std::string host = colon == std::string::npos ? "127.0.0.1" : given.substr(0, colon);
  const std::string port = colon == std::string::npos ? given : given.substr(colon + 1);
  const auto bad = [&](const std::string& why) {
    return MetricsServerError("--metrics '" + given + "': " + why + " (expected PORT or HOST:PORT, e.g. 127.0.0.1:9464)");
  };
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    throw bad("the port must be a number");
  const unsigned long number = std::stoul(port);
  if (number == 0 || number > 65535) throw bad("the port must be 1-65535");
  if (host.empty()) throw bad("the host is empty");
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-')
      throw bad("the host must be an IPv4 address or a name");
  return host + ":" + port;
}

namespace {

std::once_flag g_library;

}  // namespace

MetricsServer::MetricsServer(const std::string& address, std::function<std::string()> body)
    : address_(address), body_(std::move(body)) {
  std::call_once(g_library, [] { mg_init_library(0); });
  const char* options[] = {"listening_ports", address_.c_str(), "num_threads", "2", "enable_keep_alive", "yes",
                           nullptr};
  mg_callbacks callbacks{};
  // civetweb would print its errors to stderr itself; the error text comes back below instead.
  callbacks.log_message = [](const ::mg_connection*, const char*) { return 1; };
  mg_init_data init{&callbacks, this, options};
  char text[256] = "";
  unsigned code = 0;
  mg_error_data error{&code, text, sizeof text};
  context_ = mg_start2(&init, &error);
  if (!context_)
    throw MetricsServerError("cannot serve metrics on " + address_ + ": " +
                             (text[0] ? std::string(text) : std::string("civetweb could not start")));
  mg_set_request_handler(context_, "/", &MetricsServer::handle, this);
}

MetricsServer::~MetricsServer() {
  if (context_) mg_stop(context_);
}

int MetricsServer::handle(::mg_connection* conn, void* self) {
  const mg_request_info* request = mg_get_request_info(conn);
  const std::string uri = request->local_uri ? request->local_uri : "";
  if (uri != "/metrics") {
    mg_send_http_error(conn, 404, "%s", "not found: metrics are at /metrics\n");
    return 404;
  }
  const std::string body = static_cast<MetricsServer*>(self)->body_();
  mg_send_http_ok(conn, kContentType, static_cast<long long>(body.size()));
  if (std::string(request->request_method) != "HEAD") mg_write(conn, body.data(), body.size());
  return 200;
}

}  // namespace flamestream::metrics
