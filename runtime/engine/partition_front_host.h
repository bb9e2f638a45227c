// The partitioned fronts of a worker (Kafka fronts, DESIGN §6 (b)): each partition read here is
// one front instance, stamping every line of its records with the record's timestamp, raised to
// at least kLineSpacing above the partition's last time and to its promise (Front::stamp), so
// replaying the same records from the same floor gives the same times. The spacing keeps a bulk
// load (thousands of records in one millisecond) from packing thousands of lines into one acker
// slot, which the minimal time could pass only once every one of them was done: at 100 ns, a
// 10 µs slot holds at most 100 lines, and a partition's times run ahead of its records' only
// above 10 M lines a second.
//
// Exactly-once without an ingestion log of our own: the broker keeps the records, and a commit
// ending at E records, per partition, the offset of the first record with a line stamped at or
// above E and how many of its lines lie below E (determinants()). Recovery seeks there with E as
// the partition's floor. Two things the records alone do not fix are kept on the worker's disk:
//   - an idle partition's promise (no record for idle_ms: "nothing below the wall clock now"),
//     which raises the stamps of the records after it: logged and synced before the acker hears
//     it, with the offset it came before, and applied again at that offset on replay. Idle
//     promises start only once the partition was read to its end in this run, so a replay never
//     makes a promise where the first run stamped a record;
//   - where a front that does not follow its topic ends: the partitions' end offsets when it first
//     started, written once (fsynced) before reading, so a restarted worker ends at the same place.
// Invariant: a line is stamped once per run, in offset order per partition, and every promise
// that raised a stamp is durable before anything stamped after it can be released.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "front/ingestion_log.h"
#include "graphs/catalog.h"
#include "runtime/engine/engine_config.h"
#include "runtime/engine/partition_source.h"
#include "runtime/wire/codec.h"
#include "runtime/worker_graph.h"

namespace flamestream {

class PartitionFrontHost {
 public:
  struct Env {
    const Job& job;
    WorkerGraph& graph;
    const EngineConfig& config;
    Outbox& outbox;
    std::function<void()> after_processing;
  };

  // `dir` (exactly-once; empty: nothing kept) holds the end offsets and idle promises; the
  // partitions start at `positions` with floor `committed` (absent: from their first record).
  PartitionFrontHost(Env env, std::vector<PartitionInput> inputs, std::filesystem::path dir,
                     Timestamp committed, const PartitionPositions& positions);

  // Takes what the sources have, as far as admission allows. Throws InputSourceError.
  void poll();
  // Inputs below the minimal time no longer count against admission.
  void on_min_time(Timestamp min_ts);
  static constexpr Timestamp kLineSpacing = 100;

  // A partition here is still open: the loop polls again soon.
  bool reading() const { return open_ > 0; }
  // The partitions' determinants at commit end `end` (see above).
  std::vector<wire::FrontDeterminant> determinants(Timestamp end);
  // Idle promises below the last durable commit: their log segments' files, for the caller to delete.
  [[nodiscard]] std::vector<std::filesystem::path> truncate_below(Timestamp committed);
  std::uint64_t inputs() const { return inputs_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Stamped {  // a line stamped: where it came from
    Timestamp ts;
    std::int64_t offset;
    std::uint32_t line;
    Timestamp floor;  // the line before it + kLineSpacing: a replay from here starts there
  };
  struct Part {
    std::size_t slot = 0;    // in WorkerGraph's partition fronts
    std::size_t reader = 0;  // in readers_
    std::uint32_t partition = 0;
    std::int64_t next_offset = 0;  // every record below was stamped (or is a transaction marker)
    std::uint32_t skip = 0;        // lines of the record at next_offset stamped before the recovery
    Timestamp next_floor = 0;      // the last line stamped + kLineSpacing (or the recovery's)
    bool closed = false;
    bool reached_end = false;  // read to the end of the partition once in this run
    Clock::time_point last_input;
    std::deque<Stamped> recent;                              // exactly-once: for determinants
    std::unique_ptr<IngestionLog> promises;                  // exactly-once: idle promises
    std::deque<std::pair<std::int64_t, Timestamp>> replay;   // logged promises still to apply
    std::deque<Timestamp> admitted;  // stamps of its lines not yet below the minimal time
    bool paused = false;             // admission closed: its source stopped fetching it
    std::deque<PartitionEvent> backlog;  // fetched while paused (or behind such), in order
    std::vector<Value> payloads;                             // a batch being gathered
    std::vector<Timestamp> times;
    std::vector<std::pair<std::int64_t, std::uint32_t>> origins;
  };
  struct Reader {
    PartitionInput input;
    std::unique_ptr<PartitionSource> source;
    std::optional<std::map<std::uint32_t, std::int64_t>> ends;  // not following: where it stops
    std::vector<std::size_t> parts;
  };

  // Per partition: one that runs ahead must not hold back the one the minimal time waits for.
  bool admission_open(const Part& p) const;
  // Pauses or resumes the partition at its source as its admission closes or opens.
  void update_pause(Part& p);
  // Takes events of `p` (the backlog first) while its admission is open; true if it took a record.
  bool take_backlog(Part& p);
  void load_ends(Reader& r);
  void take(Part& p, PartitionEvent& e);
  void flush(Part& p);
  void apply_logged_promises(Part& p, std::int64_t upto);
  void close_if_done(Part& p);
  void idle(Part& p, Clock::time_point now);
  std::filesystem::path ends_path(const Reader& r) const;
  Part* part_of(const Reader& r, std::uint32_t partition);

  Env env_;
  std::filesystem::path dir_;
  std::vector<Reader> readers_;
  std::vector<Part> parts_;
  std::size_t open_ = 0;
  std::vector<PartitionEvent> events_;
  std::vector<Timestamp> stamps_;
  std::uint64_t inputs_ = 0;
};

}  // namespace flamestream
