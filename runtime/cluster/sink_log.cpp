#include "runtime/cluster/sink_log.h"

#include <algorithm>

namespace flamestream {

wire::TailReply SinkLog::read(std::uint64_t offset, std::size_t max_lines) const {
  wire::TailReply reply;
  reply.offset = std::min<std::uint64_t>(offset, lines_.size());
  const std::size_t end = std::min(lines_.size(), static_cast<std::size_t>(reply.offset) + max_lines);
  reply.lines.assign(lines_.begin() + static_cast<std::ptrdiff_t>(reply.offset),
                     lines_.begin() + static_cast<std::ptrdiff_t>(end));
  reply.done = finished_ && end == lines_.size();
  return reply;
}

}  // namespace flamestream
