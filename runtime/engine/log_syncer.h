// Group commit of a worker's ingestion logs, off the event loop.
//
// fdatasync takes milliseconds; a loop that waited for it before every acknowledgment would stall
// every item it holds. Instead the loop writes (cheap: the page cache), numbers the write, and asks
// this thread to sync; one fdatasync covers every write made before it began. The loop holds back
// what must wait for durability — the client's acknowledgment and every acker delta cut after the
// write (a delta registers the line's items; until the acker sees it nothing they produce can be
// released) — until synced() reaches the write's number. Invariant: synced() only grows, and a
// number is synced only once every log write it numbers reached the disk.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "front/ingestion_log.h"

namespace flamestream {

class LogSyncer {
 public:
  explicit LogSyncer(std::vector<IngestionLog*> logs);
  ~LogSyncer();
  LogSyncer(const LogSyncer&) = delete;
  LogSyncer& operator=(const LogSyncer&) = delete;

  // Writes numbered up to `written` are to be made durable.
  void request(std::uint64_t written);
  // The highest number durable so far. Rethrows a failed sync (the disk is gone: stop the worker).
  std::uint64_t synced() const;
  // Waits until every requested number is durable and no sync runs (before the loop stops).
  void wait_idle();
  // fdatasync rounds so far, and the nanoseconds they took (any thread).
  std::uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }
  std::uint64_t sync_ns() const { return sync_ns_.load(std::memory_order_relaxed); }

 private:
  void run();

  std::vector<IngestionLog*> logs_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t requested_ = 0;
  std::atomic<std::uint64_t> synced_{0};
  std::atomic<std::uint64_t> syncs_{0}, sync_ns_{0};
  bool syncing_ = false;
  bool quit_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace flamestream
