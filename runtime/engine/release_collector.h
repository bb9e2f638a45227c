// Where the sink instances of an embedded run meet: every worker's releases, handed on in the one
// total order a single sink would have released (ReleaseMerge, DESIGN §6), on a thread of its own.
//
// A worker keeps what its sinks release during one advance of its minimal time in a Block, then
// hands the block over with the time it reached (advance()): one lock per advance, not per item.
// A block is flat — formatted lines back to back, a 24-byte key and the trace entries of each —
// so a line costs the merging thread a heap step and a copy of its bytes, no allocation: with a
// sink on every worker that thread is the one every line passes. Once handed over, a block is
// not touched by its worker again until the merging thread gives it back empty for reuse.
//
// With a single instance there is nothing to merge: blocks are handed on whole as they come.
//
// The merging thread calls the caller's ReleaseFn for each item (or TextFn with runs of lines),
// in order, and on_advance after each round with the time every worker has released to. cut()
// drops every item at or after a time (a refused input line and what followed it); it must come
// before any such item could be released.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/worker_graph.h"
#include "sink/release_merge.h"

namespace flamestream {

class ReleaseCollector {
 public:
  // Formats a released payload, appending to the string (Job::format).
  using FormatFn = std::function<void(const Value&, std::string&)>;
  // Whole lines, each ended by a newline: one or more at a time.
  using TextFn = std::function<void(std::string_view lines)>;

  // `on_advance` gets the time every worker has released to, after each round of the merge. With
  // `format` and `release_text`, items are formatted on their workers' threads and the lines
  // handed to `release_text` in order (the merging thread then only orders and writes them);
  // else the items go to `release`.
  ReleaseCollector(std::size_t workers, ReleaseFn release, std::function<void(Timestamp)> on_advance,
                   FormatFn format = {}, TextFn release_text = {});
  ~ReleaseCollector();  // stops the merging thread (finish() first to wait for the rest)

  // On worker `w`'s thread: an item a sink there released, then the minimal time it released to.
  void release(WorkerId w, NodeId sink, const Item& item);
  void advance(WorkerId w, Timestamp min_ts);

  void cut(Timestamp ts);
  // Waits until every worker has advanced to infinity and everything was handed on; rethrows what
  // the caller's functions threw.
  void finish();

 private:
  // What one worker released during one advance, in meta order.
  struct Block {
    struct Key {
      GlobalTime time;
      std::uint32_t trace_end;  // in traces
      std::uint32_t text_end;   // in text
    };
    std::vector<Key> keys;          // formatted lines
    std::vector<LocalTime> traces;  // their traces, back to back
    std::string text;               // the lines, back to back
    std::vector<std::pair<NodeId, Item>> items;  // unformatted releases
    std::size_t size() const { return keys.size() + items.size(); }
    void clear();
  };
  // A released line or item in the merge: its meta, and where it lies in its block.
  struct Entry {
    GlobalTime time;
    const LocalTime* trace;
    std::uint32_t trace_size;
    std::uint32_t text_size;
    const char* text;                     // formatted line, or
    const std::pair<NodeId, Item>* item;  // the item
    const Block* block;
    std::uint32_t worker;
  };
  struct EntryOrder {
    bool before(const Entry& a, const Entry& b) const;
    Timestamp time(const Entry& a) const { return a.time.ts; }
  };
  struct Handover {
    std::vector<Block> blocks;
    Timestamp min_ts = 0;
  };

  void merge_loop();
  void take(std::size_t w, Block&& block);
  // With one sink instance: hands a block's lines and items on whole, in their order (nothing
  // to merge them with), but those at or after `cut`.
  void pass_on(Block&& block, std::optional<Timestamp> cut);
  void emit(const Entry& e, std::optional<Timestamp> cut);
  void flush_text();
  void recycle(std::size_t w);
  bool all_done() const;

  ReleaseFn release_;
  FormatFn format_;
  TextFn release_text_;
  std::function<void(Timestamp)> on_advance_;
  std::vector<Block> local_;  // by worker, touched only by its thread

  std::mutex mutex_;
  std::condition_variable changed_;  // to the merging thread
  std::condition_variable done_;     // to finish()
  std::vector<Handover> handed_;     // by worker, under mutex_
  std::vector<Block> spare_;         // emptied blocks for the workers to fill again, under mutex_
  bool stop_ = false;
  std::optional<Timestamp> cut_;
  std::exception_ptr failure_;

  // The merging thread's.
  ReleaseMerge<Entry, EntryOrder> merge_;
  std::vector<std::deque<Block>> merging_;  // by worker: blocks with entries still in merge_
  std::vector<std::size_t> front_released_;  // by worker: entries of merging_.front() released
  std::vector<Timestamp> reached_;          // each worker's time
  std::string_view pending_text_;           // adjacent lines of one block, not handed on yet
  const Block* pending_block_ = nullptr;    // that block
  std::vector<Block> emptied_;              // to go back to spare_
  bool drained_ = false;
  std::thread thread_;
};

}  // namespace flamestream
