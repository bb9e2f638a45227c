// A minimal HTTP/1.0 GET over a plain TCP socket, for reading metrics endpoints (`flamestream
// top`, the tests). Enough for a Prometheus endpoint or API on a trusted network: no TLS, no
// redirects, no chunked encoding (HTTP/1.0 answers are never chunked). Invariant: never waits
// longer than the timeout in all, and says what failed.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace flamestream::metrics {

class HttpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://ADDRESS/PATH, ADDRESS being HOST:PORT (a numeric IPv4 address or a name).
HttpResponse http_get(const std::string& address, const std::string& path,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace flamestream::metrics
