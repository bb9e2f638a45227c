#include "runtime/cluster/sink_log.h"

#include <algorithm>
#include <string>
#include <vector>

namespace flamestream {

wire::TailReply tail_reply(const OutputLog& output, std::uint64_t offset, bool finished,
                           std::size_t max_lines) {
  wire::TailReply reply;
  reply.offset = std::min<std::uint64_t>(offset, output.size());
  reply.lines = output.lines(reply.offset, max_lines);
  reply.done = finished && reply.offset + reply.lines.size() == output.size();
  return reply;
}

}  // namespace flamestream
