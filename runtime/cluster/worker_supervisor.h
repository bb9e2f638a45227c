// The supervisor thread of a worker process: everything that talks to ZooKeeper while a run of a
// deployment is under way, so the worker loop itself never waits on the coordinator.
//
// It stops the running loop (a Stop on the control endpoint) when the process is told to terminate,
// when a newer tick names this worker, or — with exactly-once — when the deployment's recovery
// epoch moved on or a worker of it restarted (another incarnation registered under its name). When
// the loop lost a message of a peer (request_recovery), it moves the epoch on itself, so every
// worker of the run rolls back to the last commit as after a death. On
// the acker's host it records ready commits with a compare-and-set on the commit record and tells
// the loop once one is durable, and publishes the minimal time as the tick's progress. Whether a
// run is under way or not, it writes the worker's silent peer links where `status` reads them
// (link_report.h).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <zmq.hpp>

#include "runtime/cluster/commit_record.h"
#include "runtime/engine/peer_links.h"
#include "runtime/engine/worker_loop.h"

namespace flamestream {

inline constexpr const char* kControlEndpoint = "inproc://flamestream-worker-control";

// What the main thread (running deployments) and the supervisor share.
class WorkerState {
 public:
  std::string name;
  std::string incarnation;
  std::atomic<bool> terminate{false};
  // The worker's peer links that are silent now (Transport::silent_links); thread-safe. Set
  // before the supervisor starts.
  std::function<std::vector<SilentLink>()> silent_links;

  // A run of a deployment: `record` is the commit record its epoch started from (or last wrote).
  struct Run {
    DeployedTick tick;
    std::optional<CommitRecord> record;  // nullopt: exactly-once off
    WorkerLoop* loop = nullptr;
    bool acker_here = false;
  };
  void start_run(Run run);
  void end_run();

  // Worker loop thread: the minimal time moved; every worker acknowledged a commit.
  void on_min_time(Timestamp t) { min_time_ = t; }
  void on_commit_ready(const ReadyCommit& commit);
  // Worker loop thread: the run lost a message it needs (`why`). With exactly-once the supervisor
  // starts a recovery — the next epoch, from the last commit, as after a worker's death; without
  // it the run cannot be saved, and that is said.
  void request_recovery(const std::string& why);

 private:
  friend void supervise(std::stop_token quit, ZkClient& zk, zmq::context_t& context, WorkerState& state);
  std::mutex mutex_;
  std::optional<Run> run_;
  std::optional<ReadyCommit> ready_;
  std::optional<std::string> recovery_requested_;
  std::atomic<Timestamp> min_time_{0};
};

void supervise(std::stop_token quit, ZkClient& zk, zmq::context_t& context, WorkerState& state);

}  // namespace flamestream
