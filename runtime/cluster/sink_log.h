// The released output of a sink in a cluster worker, served to `flamestream tail` clients.
//
// Lines are appended in release order and never change; a client reads from any offset, so a
// client that connects late, or reconnects, still sees every line exactly once.
#pragma once

#include <string>
#include <vector>

#include "runtime/wire/codec.h"

namespace flamestream {

class SinkLog {
 public:
  void append(std::string line) { lines_.push_back(std::move(line)); }
  // The sink will release nothing more.
  void finish() { finished_ = true; }

  // Up to `max_lines` lines from `offset` on; done once finished and everything was read.
  wire::TailReply read(std::uint64_t offset, std::size_t max_lines = 4096) const;

 private:
  std::vector<std::string> lines_;
  bool finished_ = false;
};

}  // namespace flamestream
