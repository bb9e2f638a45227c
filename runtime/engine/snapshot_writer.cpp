#include "runtime/engine/snapshot_writer.h"

#include <utility>

#include "model/errors.h"

namespace flamestream {

SnapshotWriter::SnapshotWriter(WorkerStorage& storage) : storage_(storage), thread_([this] { run(); }) {}

SnapshotWriter::~SnapshotWriter() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SnapshotWriter::submit(Timestamp end, Timestamp committed, std::string page,
                            std::vector<std::filesystem::path> obsolete) {
  {
    std::lock_guard lock(mutex_);
    check_invariant(!job_, "a commit was started while the previous one was still being written");
    job_ = Job{end, committed, std::move(page), std::move(obsolete)};
  }
  wake_.notify_all();
}

std::optional<SnapshotWriter::Done> SnapshotWriter::done() {
  std::lock_guard lock(mutex_);
  if (failure_) std::rethrow_exception(failure_);
  return std::exchange(done_, std::nullopt);
}

void SnapshotWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return quit_ || job_.has_value(); });
    if (!job_) return;  // quit, and nothing under way
    Job job = std::move(*job_);
    lock.unlock();
    std::optional<Done> done;
    std::exception_ptr failure;
    try {
      const std::string snapshot = wire::encode_page_message(0, 0, job.page);
      done = Done{job.end, storage_.persist(job.end, job.committed, snapshot, job.obsolete)};
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    job_.reset();
    done_ = std::move(done);
    if (failure) failure_ = failure;
    if (quit_) return;
  }
}

}  // namespace flamestream
