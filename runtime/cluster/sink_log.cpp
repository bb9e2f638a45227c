#include "runtime/cluster/sink_log.h"

#include <algorithm>
#include <string>
#include <vector>

namespace flamestream {

wire::TailReply tail_reply(const OutputLog& output, std::uint64_t offset, bool finished,
                           Timestamp released_to, std::size_t max_lines) {
  wire::TailReply reply;
  // Lines retention removed are skipped: the reply starts at the first line kept, and its offset
  // tells the client what it missed.
  reply.offset = std::min<std::uint64_t>(std::max(offset, output.first_line()), output.size());
  reply.lines = output.lines(reply.offset, max_lines, &reply.keys);
  reply.done = finished && reply.offset + reply.lines.size() == output.size();
  // A reply that stops short of the end vouches for no time past its last line: lines of that
  // time and later may follow.
  const bool whole = reply.offset + reply.lines.size() == output.size();
  reply.released_to = !whole ? (reply.keys.empty() ? 0 : OutputLog::order_key_time(reply.keys.back()))
                      : finished ? kInfinity
                                 : released_to;
  return reply;
}

}  // namespace flamestream
