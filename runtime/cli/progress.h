// Progress of a long input on stderr, for `run` and `ingest`: lines, words, their rates, the time
// elapsed and, for a file, the share read and the time left.
//
// ProgressSource wraps the command's Source and counts what passes through it (lines, words —
// runs of characters other than space and tab —, bytes), printing a line at most once a second.
// On a terminal the line is rewritten in place and cleared at the end; forced (--progress) onto a
// file or pipe, each report is a line of its own and a last one sums the whole input. It never
// writes to stdout, so a command's output is the same with it or without.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "front/source.h"

namespace flamestream {

class Options;

enum class ProgressMode { off, terminal, lines };

// --quiet: off; --progress: on (in place on a terminal, else a line a report); neither: on when
// stderr is a terminal. Both given is a usage error.
ProgressMode progress_mode(const Options& opts);

// The size of `path` when it names a regular file ("-" and pipes have none).
std::optional<std::uint64_t> input_size(const std::string& path);

class ProgressSource : public Source {
 public:
  // `label` starts each report (e.g. "flamestream run").
  ProgressSource(std::unique_ptr<Source> inner, ProgressMode mode, std::optional<std::uint64_t> total_bytes,
                 std::string label);
  ~ProgressSource() override;
  ProgressSource(const ProgressSource&) = delete;
  ProgressSource& operator=(const ProgressSource&) = delete;

  std::optional<Line> next() override;
  bool ready() override { return inner_->ready(); }

  // The report as it would print now (for tests and the final line).
  std::string report(bool final) const;

 private:
  using Clock = std::chrono::steady_clock;

  std::unique_ptr<Source> inner_;
  ProgressMode mode_;
  std::optional<std::uint64_t> total_;
  std::string label_;
  std::uint64_t lines_ = 0, words_ = 0, bytes_ = 0;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = start_;
  bool shown_ = false;
};

}  // namespace flamestream
