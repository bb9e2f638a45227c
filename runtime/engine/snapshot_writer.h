// The durable half of a worker's commit, off the event loop.
//
// A commit's snapshot takes several fsyncs (the file, its directory, the sink outputs): tens of
// milliseconds on a busy disk, during which a loop that waited would hold every item up. The loop
// encodes the committed grouping state as a page (memory only, TickSnapshot) and hands it here;
// this thread frames it as a message (megabytes copied twice), makes that durable
// (WorkerStorage::persist), and the loop, polling done(), answers the acker then.
// Invariant: at most one commit is under way (the acker starts the next only after this one is
// recorded), and done() reports each submitted commit once, in order.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/engine/worker_storage.h"

namespace flamestream {

class SnapshotWriter {
 public:
  explicit SnapshotWriter(WorkerStorage& storage);
  ~SnapshotWriter();  // waits for a commit under way
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  void submit(Timestamp end, Timestamp committed, std::string page,
              std::vector<std::filesystem::path> obsolete);
  struct Done {
    Timestamp end = 0;
    std::string snapshot;
  };
  // The commit that became durable since the last call, if any. Rethrows a failed write.
  std::optional<Done> done();

 private:
  void run();

  WorkerStorage& storage_;
  std::mutex mutex_;
  std::condition_variable wake_;
  struct Job {
    Timestamp end;
    Timestamp committed;
    std::string page;  // the state, to be framed as a message here
    std::vector<std::filesystem::path> obsolete;  // log segments to delete
  };
  std::optional<Job> job_;
  std::optional<Done> done_;
  std::exception_ptr failure_;
  bool quit_ = false;
  std::thread thread_;
};

}  // namespace flamestream
