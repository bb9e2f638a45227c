// Serving a sink's released output to `flamestream tail` clients.
//
// Lines are appended in release order and never change (the sink's OutputLog, on disk with
// exactly-once); a client reads from any offset, so a client that connects late, or reconnects
// after a worker restarted, still sees every line exactly once — every line the log's retention
// still keeps.
#pragma once

#include "runtime/wire/codec.h"
#include "sink/output_log.h"

namespace flamestream {

// Up to `max_lines` lines from `offset` on (from the first line kept, when the output log's
// retention removed the lines at `offset`: the reply's offset is then higher), with their order
// keys; done once `finished` (the sink
// will release nothing more) and everything was read. `released_to`: the minimal time the sink
// instance has released everything below (infinity once finished).
wire::TailReply tail_reply(const OutputLog& output, std::uint64_t offset, bool finished,
                           Timestamp released_to, std::size_t max_lines = 4096);

}  // namespace flamestream
