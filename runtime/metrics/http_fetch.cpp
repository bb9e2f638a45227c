#include "runtime/metrics/http_fetch.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flamestream::metrics {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

using Clock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`; throws on timeout.
void await(int fd, short events, Clock::time_point deadline, const std::string& what) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw HttpError(what + ": timed out");
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return;
    if (n < 0 && errno != EINTR) throw HttpError(what + ": " + std::strerror(errno));
  }
}

}  // namespace

HttpResponse http_get(const std::string& address, const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string what = "GET http://" + address + path;
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw HttpError(what + ": the address has no port");
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string host = address.substr(0, colon);
  if (const int rc = ::getaddrinfo(host.c_str(), address.substr(colon + 1).c_str(), &hints, &found); rc != 0)
    throw HttpError(what + ": " + ::gai_strerror(rc));
  Fd s{::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  const int rc = s.fd < 0 ? -1 : ::connect(s.fd, found->ai_addr, found->ai_addrlen);
  const int connect_errno = errno;
  ::freeaddrinfo(found);
  if (s.fd < 0) throw HttpError(what + ": " + std::strerror(connect_errno));
  if (rc != 0) {
    if (connect_errno != EINPROGRESS) throw HttpError(what + ": " + std::strerror(connect_errno));
    await(s.fd, POLLOUT, deadline, what);
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) throw HttpError(what + ": " + std::strerror(error));
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\nConnection: close\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    await(s.fd, POLLOUT, deadline, what);
    const ssize_t n = ::send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) throw HttpError(what + ": " + std::strerror(errno));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buf[16384];
  for (;;) {
    await(s.fd, POLLIN, deadline, what);
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw HttpError(what + ": " + std::strerror(errno));
    }
    reply.append(buf, static_cast<std::size_t>(n));
    if (reply.size() > (64u << 20)) throw HttpError(what + ": the answer passed 64 MiB");
  }
  // "HTTP/1.x NNN reason\r\n headers \r\n\r\n body"
  const auto header_end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/", 0) != 0 || header_end == std::string::npos || reply.size() < 12)
    throw HttpError(what + ": not an HTTP answer");
  HttpResponse response;
  response.status = std::atoi(reply.c_str() + reply.find(' ') + 1);
  response.body = reply.substr(header_end + 4);
  return response;
}

}  // namespace flamestream::metrics
