// The front role of a worker (paper §3.3.1): the input of the front instances it hosts.
//
// Admits client lines under back-pressure (at most max_inputs_in_flight of its inputs above the
// minimal time), binds instances to a client's times and keeps the client's promises, logs every
// accepted line with its timestamp before anything derived from it leaves the worker
// (exactly-once), holds each acknowledgment until the log is synced, replays the log after a
// recovery before taking anything new, and refuses lines after a refused one. Invariant: a line is
// acknowledged only once it is stamped and, with a log, durable — from then on it is the system's.
// The worker loop (WorkerLoop) hands it client messages and minimal-time advances, and holds its
// own acker deltas until the writes they may depend on are synced (written() / synced()).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "graphs/catalog.h"
#include "runtime/engine/engine_config.h"
#include "runtime/engine/log_syncer.h"
#include "runtime/engine/transport.h"
#include "runtime/engine/worker_storage.h"
#include "runtime/wire/codec.h"
#include "runtime/worker_graph.h"

namespace flamestream {

class FrontHost {
 public:
  // What the worker loop lends it: the job and graph instance, where replies and outputs go, and
  // what to call once input ran (paging the outputs).
  struct Env {
    const Job& job;
    WorkerGraph& graph;
    Transport& transport;
    const EngineConfig& config;
    WorkerId self;
    Outbox& outbox;
    std::function<void()> after_processing;
  };

  // With `storage` (exactly-once): syncs what an earlier run logged, and queues the replay of every
  // hosted front's log from `committed`.
  FrontHost(Env env, WorkerStorage* storage, Timestamp committed);

  void on_ingest(const std::string& identity, wire::IngestLines& lines);
  // The minimal time advanced: inputs below it no longer count against admission.
  void on_min_time(Timestamp min_ts);
  // Replays and admits what waits, as far as admission allows.
  void admit_pending();
  // The deployment stops: what waits for admission was not taken; its client sends it again.
  void refuse_pending();

  // Exactly-once: whether lines are logged, log writes numbered so far, and synced so far.
  bool durable() const { return syncer_.has_value(); }
  std::uint64_t written() const { return written_; }
  std::uint64_t synced() const { return syncer_->synced(); }
  void wait_idle() { syncer_->wait_idle(); }
  // Acknowledgments whose writes are synced go out; whether some still wait.
  void release_replies();
  bool holds_replies() const { return !held_replies_.empty(); }

  std::uint64_t inputs() const { return inputs_; }  // lines admitted here
  // Exactly-once: fdatasync rounds of the ingestion logs so far and their nanoseconds (0 without).
  std::uint64_t syncs() const { return syncer_ ? syncer_->syncs() : 0; }
  std::uint64_t sync_ns() const { return syncer_ ? syncer_->sync_ns() : 0; }

 private:
  void admit(const std::string& identity, wire::IngestLines& lines, NodeId front);
  void admit_lines(wire::IngestLines& lines, NodeId front, std::size_t from, wire::IngestAck& ack);
  void replay_logged();
  // Room for another batch: fewer inputs, and fewer bytes of them, than the config allows in
  // flight (one batch may pass either bound).
  bool admission_open() const;
  void admit_input(Timestamp ts, std::size_t bytes);
  // Why a batch's times cannot be taken (a bound front needs them, an unbound one takes none, and
  // they never go below the front's promise), or nothing.
  std::optional<std::string> wrong_times(const wire::IngestLines& lines, NodeId front,
                                         std::size_t from) const;
  // A bound front's client promised `ts`: the acker hears it, the log keeps it.
  void promise(NodeId front, Timestamp ts, IngestionLog* log);
  // Appends to `log` end here: flushed, and acknowledged once synced.
  void mark_logged(IngestionLog* log);
  void reply(const std::string& identity, wire::IngestAck ack);

  Env env_;
  WorkerStorage* storage_;
  std::optional<LogSyncer> syncer_;  // exactly-once: what waits until the ingestion logs are synced
  std::uint64_t written_ = 0;        // log writes numbered so far
  struct HeldReply {
    std::uint64_t written;
    std::string identity;
    wire::IngestAck ack;
  };
  std::deque<HeldReply> held_replies_;
  struct PendingIngest {
    std::string identity;
    wire::IngestLines lines;
  };
  std::deque<PendingIngest> pending_;  // waiting for admission
  struct Logged {
    NodeId front = 0;
    IngestionLog::Record record;  // close: the end of this front's replay
  };
  std::deque<Logged> replay_;        // a recovery's logged lines, admitted before anything new
  struct Admitted {
    Timestamp ts;
    std::size_t bytes;
  };
  std::deque<Admitted> admitted_;    // inputs not yet below the minimal time
  std::size_t admitted_bytes_ = 0;   // their length
  std::vector<bool> refused_;        // by front node: its instance here refused a line (bound fronts)
  std::vector<Value> payloads_;      // admit_lines: a batch's parsed lines (kept for capacity)
  std::vector<Timestamp> stamps_;    // admit_lines: their timestamps
  std::uint64_t inputs_ = 0;
};

}  // namespace flamestream
