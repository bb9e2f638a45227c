// Tail clients of a job that finished while its sink's worker was away.
//
// A worker restarted after its exactly-once job committed everything has no part left to run, but
// the job's output is on its disk (the sink's output log), and a `tail` that had not read it all
// yet asks this worker for the rest. Whatever the worker is doing — waiting for a tick, serving
// state — a tail request for such a job is answered from that log, marked done at its end.
// Invariant: only a job whose commit record says everything is committed is served here, so the
// log is final; a running job's requests are left for its deployment.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "runtime/cluster/commit_record.h"
#include "runtime/wire/codec.h"
#include "sink/output_log.h"

namespace flamestream {

class FinishedSinks {
 public:
  explicit FinishedSinks(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {}

  // The reply to `request` (of tick `tick_id`) if it names a finished job whose sink's output log
  // lies here; nullopt otherwise, and when ZooKeeper or the log cannot be read (never throws).
  std::optional<wire::TailReply> serve(ZkClient& zk, std::uint64_t tick_id,
                                       const wire::TailRequest& request);

 private:
  std::optional<wire::TailReply> try_serve(ZkClient& zk, std::uint64_t tick_id,
                                           const wire::TailRequest& request);

  std::filesystem::path data_dir_;
  std::map<std::filesystem::path, std::unique_ptr<OutputLog>> logs_;  // read once, final
};

}  // namespace flamestream
