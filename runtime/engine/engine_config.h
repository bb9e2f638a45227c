// The knobs of the real engines (embedded and cluster), with the defaults `flamestream` uses.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "front/source.h"
#include "model/meta.h"

namespace flamestream {

struct EngineConfig {
  // An outgoing page is sent when it holds batch_items envelopes or its oldest is batch_timeout old.
  std::chrono::microseconds batch_timeout{100};
  std::size_t batch_items = 512;
  // A worker sends its aggregated acker delta this often, or once it folded ack_flush_deltas.
  std::chrono::microseconds ack_flush{1000};
  std::size_t ack_flush_deltas = 1024;
  // Nanoseconds of front time that share one ack-table slot: fewer slots make acker deltas and the
  // ack table smaller (1 µs: a slot a word at 500 k words/s), wider ones hold the minimal time back
  // (100 µs slowed one worker by a third). 10 µs: measured best for one and for two workers.
  Timestamp slot_width = 10000;
  // Back-pressure: a front stops admitting input while this many of its inputs are not yet below
  // the minimal time; the ingesting client then waits for its acknowledgment. The minimal time
  // moves about once an acker flush (1 ms) plus a round trip, so this must cover a few
  // milliseconds of input at full speed: 1,024 held two workers at ~240 k one-word lines/s;
  // 16,384 let more state pile up between releases (+9 % instructions a word, slower).
  std::size_t max_inputs_in_flight = 4096;
  // The same with exactly-once on. The minimal time then also waits for the ingestion logs' sync
  // before a front's acker deltas leave, a longer cycle than 4,096 inputs cover at full speed:
  // 16,384 gave the exactly-once cluster 10-15 % more (four paired closed-loop runs), while the
  // embedded engine, without syncs, lost 8 % with it.
  std::size_t max_inputs_in_flight_exactly_once = 16384;
  // The same in bytes of input, whichever bound comes first: all the items of one line share its
  // time and stay until the minimal time passes it, a few hundred bytes for a byte of word count's
  // input, so long lines must not pile up. Ordinary lines (under ~500 bytes) never reach it.
  std::size_t max_bytes_in_flight = std::size_t{8} << 20;
  // A front refuses a line longer than this (a client that does not check, or checks less):
  // the line's state stays on the workers until the minimal time passes it (FrontHost).
  std::size_t max_line_bytes = kDefaultMaxLineBytes;
  // See WorkerGraph::Config::depth_first_local.
  bool depth_first_local = true;
  // The tick this deployment runs; messages of other ticks are not its business.
  std::uint64_t tick = 0;
  // Earlier ticks of the same job (this one continues them): their clients' input and tail
  // requests are this deployment's.
  std::vector<std::uint64_t> lineage;
  // The recovery epoch of this run of the deployment: worker-to-worker messages of an earlier
  // epoch refer to state that was rolled back and are dropped.
  std::uint64_t epoch = 0;
  // Exactly-once (needs a WorkerStorage): nanoseconds of front time per commit tick; 0: no commits.
  Timestamp tick_length = 0;
};

}  // namespace flamestream
