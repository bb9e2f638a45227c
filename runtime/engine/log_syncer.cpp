#include "runtime/engine/log_syncer.h"

#include <chrono>

namespace flamestream {

LogSyncer::LogSyncer(std::vector<IngestionLog*> logs)
    : logs_(std::move(logs)), thread_([this] { run(); }) {}

LogSyncer::~LogSyncer() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LogSyncer::request(std::uint64_t written) {
  {
    std::lock_guard lock(mutex_);
    if (written <= requested_) return;
    requested_ = written;
  }
  wake_.notify_all();
}

std::uint64_t LogSyncer::synced() const {
  std::lock_guard lock(mutex_);
  if (failure_) std::rethrow_exception(failure_);
  return synced_.load();
}

void LogSyncer::wait_idle() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [&] { return failure_ || (!syncing_ && synced_.load() >= requested_); });
  if (failure_) std::rethrow_exception(failure_);
}

void LogSyncer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return quit_ || (!failure_ && requested_ > synced_.load()); });
    if (quit_) return;
    const std::uint64_t target = requested_;  // every write numbered so far is in the page cache
    syncing_ = true;
    lock.unlock();
    std::exception_ptr failure;
    const auto start = std::chrono::steady_clock::now();
    try {
      for (IngestionLog* log : logs_) log->sync();
    } catch (...) {
      failure = std::current_exception();
    }
    sync_ns_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count(),
                       std::memory_order_relaxed);
    syncs_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
    syncing_ = false;
    if (failure) failure_ = failure;
    else synced_ = target;
    wake_.notify_all();
  }
}

}  // namespace flamestream
