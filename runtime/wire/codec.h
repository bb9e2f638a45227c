// The wire format of worker-to-worker and client-to-worker messages (schema: messages.capnp; pages
// of items inside it are flat bytes: item_page.h).
//
// decode() is the trust boundary: bytes from the network become a Message only if every field is
// in range for this job (node ids, sender, trace length, tuple depth) and the decoded data is at
// most a small constant factor larger than the bytes that carried it. Anything else, however mangled, is a WireError and never a
// crash, a different exception or an unbounded allocation. encode() of a Message that decode()
// returned yields a message that decodes to the same value again.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "acker/ack_delta.h"
#include "runtime/placement.h"
#include "runtime/worker_graph.h"

namespace flamestream::wire {

class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A page of items from one worker to another.
struct ItemBatch {
  std::vector<Envelope> envelopes;
};

// The acker's minimal time, sent to every worker.
struct MinTimeUpdate {
  Timestamp ts = 0;
};

// A worker's front progress, sent to every worker when a job has several front instances: its
// fronts stamp nothing below `ts` any more, and every item they made below it was sent before this
// message on the same channel (WorkerLoop::on_front_progress, WorkerGraph::release_held).
struct FrontProgress {
  Timestamp ts = 0;
};

// Client -> the worker hosting an instance of `front`: input lines seq, seq+1, ... (numbered per
// instance); `close` ends the input. A client that spreads its input over several instances binds
// each (`bind`, an empty batch first) and then gives every line its time (`first_ts`, Front::bind)
// and each instance its promises (`promise`); `first_line` numbers the lines in the whole input.
struct IngestLines {
  std::string front;
  std::uint64_t seq = 0;
  std::vector<std::string> lines;
  bool close = false;
  bool bind = false;
  Timestamp first_ts = 0;
  Timestamp promise = 0;
  std::uint64_t first_line = 0;
  std::uint64_t stride = 1;  // between two lines' times and input numbers (a client dealing
                             // its input out over `stride` instances line by line)
};

// Worker -> client: how many of the lines from `seq` on were accepted; `error` empty on success.
// `retry`: none was taken because the job is recovering; send them again (to the front's worker,
// which may have moved).
struct IngestAck {
  std::uint64_t seq = 0;
  std::uint64_t accepted = 0;
  std::string error;
  bool retry = false;
  Timestamp next_ts = 0;     // to a bind: the lowest time the client may give
  Timestamp slot_width = 0;  // to a bind: the acker's; a promise releases only whole slots
};

// Client -> the worker hosting `sink`: released lines from `offset` on.
struct TailRequest {
  std::string sink;
  std::uint64_t offset = 0;
};

// Worker -> client: lines offset, offset+1, ...; `done` when the sink will release nothing more.
struct TailReply {
  std::uint64_t offset = 0;
  std::vector<std::string> lines;
  bool done = false;
  std::vector<std::string> keys;  // each line's order key: merging a sink's instances by them
                                  // gives the order one sink would release in
  Timestamp released_to = 0;      // every line of this instance below this time is in the reply or before
};

// Control: shut the receiving worker down.
struct Stop {};

// Acker -> every worker (paper §3.6.1): the minimal time passed `end`; persist what belongs before
// it and answer. `committed` is the last end already recorded in ZooKeeper: below it nothing
// (snapshots, ingestion log records) is needed any more.
struct Commit {
  Timestamp end = 0;
  Timestamp committed = 0;
};

// A front's determinant at a commit: the input line it expects next. For a partition of a Kafka
// front (partition > 0, the partition + 1): the offset of the first record with a line at or
// above the commit end, how many of that record's lines lie below it, and the time that line is
// stamped at least (the line before it + the partition's spacing).
struct FrontDeterminant {
  NodeId front = 0;
  std::uint64_t next_seq = 0;
  std::uint32_t partition = 0;
  std::uint32_t skip = 0;
  Timestamp floor = 0;
};

// Worker -> acker: everything before `end` is durable here.
struct CommitAck {
  Timestamp end = 0;
  std::string snapshot;  // the snapshot file written; empty when no grouping lives here
  std::vector<FrontDeterminant> fronts;
};

// Rescaling (a tick that continues another with a new mapping): the grouping entries of the
// snapshot committed at `end` by a worker of `state_tick` whose key hashes lie in `ranges`.
struct StateRequest {
  std::string state_tick;
  Timestamp end = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;  // inclusive
};
struct StateReply {
  Timestamp end = 0;
  std::vector<Envelope> items;
  std::string error;
};

using Body = std::variant<ItemBatch, AckDelta, MinTimeUpdate, IngestLines, IngestAck, TailRequest,
                          TailReply, Stop, Commit, CommitAck, StateRequest, StateReply, FrontProgress>;

// `tick` is the deployment; `epoch` counts its recoveries: a worker-to-worker message of an
// earlier epoch is stale (the state it refers to was rolled back). Clients send epoch 0.
struct Message {
  std::uint64_t tick = 0;
  WorkerId sender = 0;
  Body body;
  std::uint64_t epoch = 0;
};

// What the receiver accepts. node_count and worker_count are the job's; the rest bound the work and
// memory a single message may cost.
struct Limits {
  std::size_t node_count = 0;      // node ids (envelope nodes, a front id's node) must be below this
  std::size_t worker_count = 0;    // the sender must be below this
  std::size_t max_trace = 4096;    // local times per envelope
  std::size_t max_tuple_depth = 32;  // a flat tuple has depth 1
  std::uint64_t traversal_words = 8 << 20;  // Cap'n Proto traversal limit (8-byte words)

  // A front id names a front instance (front_instance(): the node in its low 16 bits, the worker
  // above them, a worker of whichever tick stamped it).
  bool valid_front(std::uint64_t id) const { return id <= 0xFFFFFFFFu && (id & 0xFFFF) < node_count; }
};

// `limits` with the Cap'n Proto traversal limit raised, where need be, to cover a message of
// `bytes`: no message is refused for its size alone (a page or an ingest batch holding a 64 MiB
// line outgrows the default), while decoding still reads at most four times the words received.
inline Limits sized_for(Limits limits, std::size_t bytes) {
  limits.traversal_words = std::max<std::uint64_t>(limits.traversal_words, bytes / 2);
  return limits;
}

// Serializes `message` as one Cap'n Proto message in flat (segment table + segments) form; items
// go as a flat page.
std::string encode(const Message& message);
// The page encode({tick, sender, ItemBatch{...}}) carries, for items held in place, each with the
// node it goes into and ack id 0: a snapshot of the grouping state without copying its items into
// envelopes. Written in parts appended one at a time, each encoded at once (its items need to stay
// valid only during append): a snapshot taken in parts (TickSnapshot). Framing it as a message
// (encode_page_message) is left to the caller: megabytes copied twice, which a snapshot does off
// the worker's loop.
class PageEncoder {
 public:
  void append(const std::vector<std::pair<NodeId, const Item*>>& items);
  // The page of everything appended since the last finish, moved out.
  std::string finish();

 private:
  std::string page_;  // room for the count, then the envelopes so far
  std::uint64_t count_ = 0;
  Timestamp last_ts_ = 0;  // of the last envelope appended: the next one's time is a delta from it
  std::size_t last_size_ = 0;  // of the last page: the next reserves that much at once
};
// The message encode({tick, sender, ItemBatch{...}}) gives, around that batch's page.
std::string encode_page_message(std::uint64_t tick, WorkerId sender, const std::string& page);

// Parses and validates one message; throws WireError naming the problem on any malformed input.
// `bytes` need not be aligned.
Message decode(std::string_view bytes, const Limits& limits);

// Reads only the tick of a message: which deployment's limits apply to the rest of it.
// Throws WireError if even that cannot be read.
std::uint64_t peek_tick(std::string_view bytes);

// Whether a message is a StateRequest, reading only its header: what a worker answers whatever
// tick the request names. Throws WireError if even that cannot be read.
bool peek_state_request(std::string_view bytes);

// Whether a body travels between workers (and so belongs to one epoch) rather than to or from a
// client or the control endpoint.
bool between_workers(const Body& body);

}  // namespace flamestream::wire
