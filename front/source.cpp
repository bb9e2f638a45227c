#include "front/source.h"

#include <cstring>
#include <iostream>
#include <thread>

#include "model/errors.h"

namespace flamestream {

namespace {

class FileSource : public Source {
 public:
  explicit FileSource(const std::string& path) : file_(path), lines_(file_) {
    if (!file_) throw InputError("cannot open input '" + path + "': " + std::strerror(errno));
  }
  std::optional<Line> next() override { return lines_.next(); }

 private:
  std::ifstream file_;
  StreamSource lines_;
};

}  // namespace

std::optional<Line> StreamSource::next() {
  Line line;
  if (!std::getline(*in_, line.text)) {
    if (in_->bad()) throw InputError("reading input failed after line " + std::to_string(number_));
    return std::nullopt;
  }
  line.number = ++number_;
  return line;
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

std::unique_ptr<Source> open_source(const std::string& path) {
  if (path == "-") return std::make_unique<StreamSource>(std::cin);
  return std::make_unique<FileSource>(path);
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
