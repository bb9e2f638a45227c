#include "front/source.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <thread>
#include <unistd.h>

#include "model/errors.h"

namespace flamestream {

namespace {

constexpr std::size_t kReadBytes = 64 * 1024;

}  // namespace

std::string line_too_long(std::uint64_t number, std::size_t max_line_bytes) {
  const std::size_t mib = std::size_t{1} << 20;
  const std::string limit = max_line_bytes % mib == 0 ? std::to_string(max_line_bytes / mib) + " MiB"
                                                      : std::to_string(max_line_bytes) + " bytes";
  return "input line " + std::to_string(number) + " is longer than the limit of " + limit +
         " (--max-line-mib)";
}

DescriptorSource::DescriptorSource(int fd, std::string name, bool owned, std::size_t max_line_bytes)
    : fd_(fd), name_(std::move(name)), owned_(owned), max_line_(max_line_bytes) {}

DescriptorSource::~DescriptorSource() {
  if (owned_) ::close(fd_);
}

bool DescriptorSource::fill() {
  // What was returned goes first, so the buffer holds one partial line and at most one read more.
  buffer_.erase(0, begin_);
  scanned_ -= begin_;
  begin_ = 0;
  const std::size_t had = buffer_.size();
  buffer_.resize(had + kReadBytes);
  ssize_t n;
  do {
    n = ::read(fd_, buffer_.data() + had, kReadBytes);
  } while (n < 0 && errno == EINTR);
  const int error = errno;
  buffer_.resize(had + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
  if (n < 0)
    throw InputError("reading " + name_ + " failed after line " + std::to_string(number_) + ": " +
                     std::strerror(error));
  return n > 0;
}

std::optional<Line> DescriptorSource::next() {
  for (;;) {
    const std::size_t newline = buffer_.find('\n', scanned_);
    const std::size_t length = (newline == std::string::npos ? buffer_.size() : newline) - begin_;
    // Refused as soon as it is known to be too long: nothing past the limit is read. Calling
    // again refuses it again.
    if (length > max_line_) throw InputError(line_too_long(number_ + 1, max_line_));
    if (newline != std::string::npos) {
      Line line{++number_, buffer_.substr(begin_, length)};
      begin_ = scanned_ = newline + 1;
      return line;
    }
    scanned_ = buffer_.size();
    if (!ended_ && fill()) continue;
    ended_ = true;
    if (begin_ == buffer_.size()) return std::nullopt;
    Line line{++number_, buffer_.substr(begin_)};  // a final line without a newline counts
    begin_ = scanned_ = buffer_.size();
    return line;
  }
}

bool DescriptorSource::ready() {
  if (ended_) return true;
  const std::size_t newline = buffer_.find('\n', scanned_);
  if (newline != std::string::npos) {
    scanned_ = newline;  // next() finds it at once
    return true;
  }
  scanned_ = buffer_.size();
  pollfd p{fd_, POLLIN, 0};
  // Readable, hung up, or an error that next() will report: it answers without waiting.
  return ::poll(&p, 1, 0) != 0;
}

PacedSource::PacedSource(std::unique_ptr<Source> inner, double lines_per_s)
    : inner_(std::move(inner)),
      interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(1.0 / lines_per_s))) {}

std::optional<Line> PacedSource::next() {
  // No credit for time spent waiting elsewhere (a client held up by back-pressure or a recovery):
  // after a stall the lines go on at the rate, not in a burst that catches up. Sleeps are a
  // millisecond at least (shorter ones overshoot), so high rates are kept on average.
  using namespace std::chrono_literals;
  const auto now = std::chrono::steady_clock::now();
  if (now - next_ > 10ms) next_ = now;
  if (next_ - now > 1ms) std::this_thread::sleep_until(next_);
  next_ += interval_;
  return inner_->next();
}

bool PacedSource::ready() {
  using namespace std::chrono_literals;
  return next_ - std::chrono::steady_clock::now() <= 1ms && inner_->ready();  // next() sleeps past 1 ms
}

std::unique_ptr<Source> open_source(const std::string& path, std::size_t max_line_bytes) {
  if (path == "-")
    return std::make_unique<DescriptorSource>(STDIN_FILENO, "stdin", false, max_line_bytes);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open input '" + path + "': " + std::strerror(errno));
  return std::make_unique<DescriptorSource>(fd, "'" + path + "'", true, max_line_bytes);
}

GeneratorSource::GeneratorSource(std::uint64_t seed, std::uint64_t count, std::int64_t max_int)
    : rng_(seed), count_(count), max_int_(max_int) {
  check_invariant(max_int >= 1, "an integer generator needs a positive maximum");
}

GeneratorSource::GeneratorSource(std::uint64_t seed, std::uint64_t count,
                                 std::vector<std::string> vocabulary, std::size_t words_per_line)
    : rng_(seed), count_(count), vocabulary_(std::move(vocabulary)), words_per_line_(words_per_line) {
  check_invariant(!vocabulary_.empty(), "a word generator needs a vocabulary");
}

std::optional<Line> GeneratorSource::next() {
  if (produced_ == count_) return std::nullopt;
  Line line{++produced_, {}};
  if (vocabulary_.empty()) {
    line.text = std::to_string(std::uniform_int_distribution<std::int64_t>(1, max_int_)(rng_));
    return line;
  }
  std::uniform_int_distribution<std::size_t> pick(0, vocabulary_.size() - 1);
  for (std::size_t i = 0; i < words_per_line_; ++i) {
    if (i) line.text += ' ';
    line.text += vocabulary_[pick(rng_)];
  }
  return line;
}

}  // namespace flamestream
