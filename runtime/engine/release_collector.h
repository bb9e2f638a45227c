// Where the sink instances of an embedded run meet: every worker's releases, handed on in the one
// total order a single sink would have released (ReleaseMerge, DESIGN §6), on a thread of its own.
//
// A worker keeps what its sinks release during one advance of its minimal time (release()), then
// hands the lot over with the time it reached (advance()): one lock per advance, not per item.
// The merging thread calls the caller's ReleaseFn for each item, one at a time and in order, and
// the caller's on_advance after each round, with the time every worker has released to. cut() drops every item at or after a time (a refused
// input line and what followed it); it must come before any such item could be released.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/worker_graph.h"
#include "sink/release_merge.h"

namespace flamestream {

class ReleaseCollector {
 public:
  // Formats a released payload, appending to the string (Job::format).
  using FormatFn = std::function<void(const Value&, std::string&)>;
  using LineFn = std::function<void(const std::string&)>;

  // `on_advance` gets the time every worker has released to, after each round of the merge. With
  // `format` and `release_line`, items are formatted on their workers' threads, each line ended by
  // a newline, and the lines handed to `release_line` in order (the merging thread then only
  // orders and writes them); else the items go to `release`.
  ReleaseCollector(std::size_t workers, ReleaseFn release, std::function<void(Timestamp)> on_advance,
                   FormatFn format = {}, LineFn release_line = {});
  ~ReleaseCollector();  // stops the merging thread (finish() first to wait for the rest)

  // On worker `w`'s thread: an item a sink there released, then the minimal time it released to.
  void release(WorkerId w, NodeId sink, const Item& item);
  void advance(WorkerId w, Timestamp min_ts);

  void cut(Timestamp ts);
  // Waits until every worker has advanced to infinity and everything was handed on; rethrows what
  // the caller's functions threw.
  void finish();

 private:
  struct Released {
    NodeId sink;
    Item item;         // without its payload when formatted
    std::string line;  // formatted
  };
  struct MetaOf {
    const Meta& operator()(const Released& r) const { return r.item.meta; }
  };
  struct Handover {
    std::vector<Released> items;
    Timestamp min_ts = 0;
  };

  void merge_loop();
  bool all_done() const;

  ReleaseFn release_;
  FormatFn format_;
  LineFn release_line_;
  std::function<void(Timestamp)> on_advance_;
  std::vector<Handover> local_;  // by worker, touched only by its thread

  std::mutex mutex_;
  std::condition_variable changed_;  // to the merging thread
  std::condition_variable done_;     // to finish()
  std::vector<Handover> handed_;  // by worker, under mutex_
  bool stop_ = false;
  std::optional<Timestamp> cut_;
  std::exception_ptr failure_;

  ReleaseMerge<Released, ByMeta<Released, MetaOf>> merge_;  // the merging thread's
  std::vector<Timestamp> reached_;        // the merging thread's: each worker's time
  bool drained_ = false;
  std::thread thread_;
};

}  // namespace flamestream
