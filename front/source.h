// Sources of input lines for a front: a file or stdin, and a seeded generator.
//
// A source yields lines one at a time with their 1-based line numbers, so an error can name the line.
// It also tells whether its next line is there yet (`ready`), so that a client batching lines sends
// what it holds instead of waiting for a live input (a pipe, a terminal) to fill the batch.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace flamestream {

struct Line {
  std::uint64_t number = 0;
  std::string text;
};

// The longest line a front takes by default (`--max-line-mib`). A line's items all share its
// global time, so the whole line's state stays until the minimal time passes it: memory grows
// with the longest line, and this bounds it.
inline constexpr std::size_t kDefaultMaxLineBytes = std::size_t{64} << 20;

// Why a line is refused for its length, naming its number and the limit.
std::string line_too_long(std::uint64_t number, std::size_t max_line_bytes);

class Source {
 public:
  virtual ~Source() = default;
  virtual std::optional<Line> next() = 0;
  // Whether next() would answer now (with a line or the end) rather than wait for input to come.
  virtual bool ready() { return true; }
};

// Lines read from a file descriptor (a file, a pipe, a terminal): a final line without a newline
// counts, a trailing newline adds no empty line. ready() is true while a whole line (or the end)
// is buffered, or the descriptor has bytes to read or has hung up. Owns the descriptor if `owned`.
// Throws InputError if a read fails, or at a line longer than `max_line_bytes` (newline not
// counted), once every line before it was returned; it reads no further than the limit then.
class DescriptorSource : public Source {
 public:
  DescriptorSource(int fd, std::string name, bool owned,
                   std::size_t max_line_bytes = kDefaultMaxLineBytes);
  ~DescriptorSource() override;
  DescriptorSource(const DescriptorSource&) = delete;
  DescriptorSource& operator=(const DescriptorSource&) = delete;
  std::optional<Line> next() override;
  bool ready() override;

 private:
  bool fill();  // reads once more; false at the end of the input

  int fd_;
  std::string name_;
  bool owned_;
  std::size_t max_line_;
  std::string buffer_;
  std::size_t begin_ = 0;  // buffer_[begin_, end) is not yet returned
  std::size_t scanned_ = 0;  // no newline in buffer_[begin_, scanned_)
  bool ended_ = false;
  std::uint64_t number_ = 0;
};

// Lines of a file, or of stdin for "-". Throws InputError if the file cannot be opened.
std::unique_ptr<Source> open_source(const std::string& path,
                                    std::size_t max_line_bytes = kDefaultMaxLineBytes);

// Another source's lines, one every 1/`lines_per_s` seconds at most (a replay of recorded input at
// its pace, or a run stretched long enough to fail a worker in the middle of it).
class PacedSource : public Source {
 public:
  PacedSource(std::unique_ptr<Source> inner, double lines_per_s);
  std::optional<Line> next() override;
  bool ready() override;

 private:
  std::unique_ptr<Source> inner_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point next_{};
};

// A seeded stream of `count` lines: integers in [1, max_int], or words drawn from a vocabulary.
class GeneratorSource : public Source {
 public:
  GeneratorSource(std::uint64_t seed, std::uint64_t count, std::int64_t max_int);
  GeneratorSource(std::uint64_t seed, std::uint64_t count, std::vector<std::string> vocabulary,
                  std::size_t words_per_line);
  std::optional<Line> next() override;

 private:
  std::mt19937_64 rng_;
  std::uint64_t count_;
  std::uint64_t produced_ = 0;
  std::int64_t max_int_ = 0;
  std::vector<std::string> vocabulary_;
  std::size_t words_per_line_ = 0;
};

}  // namespace flamestream
