#include "runtime/cluster/sink_log.h"

#include <algorithm>

namespace flamestream {

wire::TailReply tail_reply(const OutputLog& output, std::uint64_t offset, bool finished,
                           std::size_t max_lines) {
  const auto& lines = output.lines();
  wire::TailReply reply;
  reply.offset = std::min<std::uint64_t>(offset, lines.size());
  const std::size_t end = std::min(lines.size(), static_cast<std::size_t>(reply.offset) + max_lines);
  reply.lines.assign(lines.begin() + static_cast<std::ptrdiff_t>(reply.offset),
                     lines.begin() + static_cast<std::ptrdiff_t>(end));
  reply.done = finished && end == lines.size();
  return reply;
}

}  // namespace flamestream
