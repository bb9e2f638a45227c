#include "runtime/cluster/worker_supervisor.h"

#include <iostream>
#include <thread>

#include "runtime/cluster/link_report.h"

namespace flamestream {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);
// The reasons to stop are re-read when a watch fires (a tick added, a worker registered or gone,
// the commit record written) and at least this often besides. Reading them every 100 ms, two
// workers kept ZooKeeper answering ~130 requests a second, ~10 % of one of the two cores the
// system under test runs on.
constexpr auto kRecheck = std::chrono::seconds(1);
// How often the acker's host publishes the minimal time (what `flamestream status` shows). Every
// publication is a ZooKeeper write, fsynced on the disk the ingestion logs sync to.
constexpr auto kPublishProgress = std::chrono::seconds(1);
// After a failed call (ZooKeeper away), the next attempt waits this long.
constexpr auto kRetry = std::chrono::milliseconds(100);
// How often the worker's silent links are compared with what it last wrote (a write only on change).
constexpr auto kLinkCheck = std::chrono::milliseconds(200);


// Why the running loop must stop, or empty if it runs on.
std::string stop_reason(ZkClient& zk, const WorkerState::Run& run, const std::string& name) {
  auto latest = latest_tick(zk);
  if (latest && supersedes(*latest, run.tick, name)) return "superseded by " + latest->node;
  if (auto failure = read_failure(zk, run.tick)) return "failed: " + *failure;
  if (!run.record) return {};
  const auto record = read_commit_record(zk, run.tick);
  if (record && record->epoch != run.record->epoch) return "recovery epoch " + std::to_string(record->epoch);
  if (record && record->committed == kInfinity) return {};  // complete: a restart changes nothing
  const auto now = tick_incarnations(zk, run.tick);
  if (now.size() == run.tick.spec.workers.size() && now != run.record->incarnations)
    return "a worker restarted";
  return {};
}

}  // namespace

void WorkerState::start_run(Run run) {
  std::lock_guard lock(mutex_);
  run_ = std::move(run);
  ready_.reset();
  recovery_requested_.reset();
  min_time_ = 0;
}

void WorkerState::end_run() {
  std::lock_guard lock(mutex_);
  run_.reset();
  ready_.reset();
  recovery_requested_.reset();
}

void WorkerState::request_recovery(const std::string& why) {
  std::lock_guard lock(mutex_);
  if (run_ && !recovery_requested_) recovery_requested_ = why;
}

void WorkerState::on_commit_ready(const ReadyCommit& commit) {
  std::lock_guard lock(mutex_);
  ready_ = commit;
}

// Records a ready commit on the acker's host. Returns the record as written, nullopt if the
// epoch moved on (then the commit never becomes durable).
std::optional<CommitRecord> record_commit(ZkClient& zk, const WorkerState::Run& run,
                                          const ReadyCommit& ready) {
  CommitRecord next = *run.record;
  next.committed = ready.end;
  next.state_tick.clear();  // this tick's workers hold the snapshots of its own commits
  ++next.commits;
  next.snapshots.clear();
  for (std::size_t w = 0; w < ready.snapshots.size(); ++w)
    if (!ready.snapshots[w].empty()) next.snapshots[run.tick.spec.workers[w]] = ready.snapshots[w];
  next.fronts.clear();
  next.partitions.clear();
  const Job job = make_job(run.tick.spec.graph, run.tick.spec.params, run.tick.spec.job);
  for (const auto& [w, f] : ready.fronts) {
    const std::string& name = job.graph.node(f.front).name;
    if (f.partition > 0) {  // a Kafka front's partition: where a recovery seeks
      next.partitions[partition_key(name, f.partition - 1)] = {f.next_seq, f.skip, f.floor};
      continue;
    }
    next.fronts[name + "@" + run.tick.spec.workers[w]] = f.next_seq;
  }
  if (!write_commit_record(zk, run.tick, next)) return std::nullopt;
  next.version = run.record->version + 1;
  return next;
}

// Moves `run` on to the next epoch because it lost a message: every worker of it stops (the epoch
// moved on) and runs again from the last commit. Returns the stop reason; empty if another worker
// moved the epoch first (then that is the reason the watch reports).
std::string start_recovery(ZkClient& zk, const WorkerState::Run& run, const std::string& why) {
  auto record = read_commit_record(zk, run.tick);
  if (!record || record->epoch != run.record->epoch) return {};
  ++record->epoch;
  if (!write_commit_record(zk, run.tick, *record)) return {};
  return "recovery epoch " + std::to_string(record->epoch) + " started here: " + why;
}

// Keeps ZooKeeper watches on what a stop reason depends on, so that stop_reason is read again only
// after a change (or every kRecheck). The commit record's node changes with the run.
class StopWatch {
 public:
  explicit StopWatch(ZkClient& zk) : zk_(zk) { zk_.children_watch(kWorkersPath, {}); }
  ~StopWatch() {
    if (!record_path_.empty()) zk_.unwatch(record_path_);
    zk_.unwatch(kWorkersPath);
  }
  StopWatch(const StopWatch&) = delete;
  StopWatch& operator=(const StopWatch&) = delete;

  // Whether the reasons of `run` are due to be read; the caller reads them at once.
  bool due(const WorkerState::Run& run, std::chrono::steady_clock::time_point now) {
    const std::string record_path = run.record ? commit_record_path(run.tick) : std::string();
    bool changed = record_path != record_path_;
    if (changed) {
      if (!record_path_.empty()) zk_.unwatch(record_path_);
      record_path_ = record_path;
      if (!record_path_.empty()) zk_.data_watch(record_path_, {});
    }
    // Taken before the reads that follow: an event during them is seen next time.
    const std::uint64_t events = zk_.watch_version();
    changed = changed || events != seen_events_ || now - last_read_ >= kRecheck;
    if (changed) {
      seen_events_ = events;
      last_read_ = now;
    }
    return changed;
  }
  // The read failed (ZooKeeper away): read again at the next attempt.
  void retry() { last_read_ = {}; }

 private:
  ZkClient& zk_;
  std::string record_path_;
  std::uint64_t seen_events_ = 0;
  std::chrono::steady_clock::time_point last_read_{};
};

void supervise(std::stop_token quit, ZkClient& zk, zmq::context_t& context, WorkerState& state) {
  zmq::socket_t control(context, zmq::socket_type::dealer);
  control.set(zmq::sockopt::linger, 0);
  control.connect(kControlEndpoint);
  std::pair<std::uint64_t, std::uint64_t> stopped{0, 0};  // (tick, epoch) last stopped: one Stop each
  StopWatch watch(zk);
  Timestamp published = 0;
  auto last_published = std::chrono::steady_clock::now() - kPublishProgress;
  auto retry_at = std::chrono::steady_clock::time_point{};
  bool logged = false;
  bool told_unrecoverable = false;
  LinkReport links(state.name);
  auto links_checked = std::chrono::steady_clock::time_point{};
  while (!quit.stop_requested()) {
    std::this_thread::sleep_for(kPoll);
    if (state.silent_links && std::chrono::steady_clock::now() - links_checked >= kLinkCheck) {
      links_checked = std::chrono::steady_clock::now();
      try {
        links.publish(zk, state.silent_links());
      } catch (const std::exception&) {
        // ZooKeeper away: the next check writes it (the loop below says that ZooKeeper is away).
      }
    }
    // A copy of the run, so ZooKeeper calls (slow while it is away) never hold the loop up.
    WorkerState::Run run;
    std::optional<ReadyCommit> ready;
    std::optional<std::string> lost;
    {
      std::lock_guard lock(state.mutex_);
      if (!state.run_) continue;
      run = *state.run_;
      if (run.acker_here) ready = state.ready_;
      lost = state.recovery_requested_;
    }
    const std::uint64_t epoch = run.record ? run.record->epoch : 0;
    if (stopped == std::pair{run.tick.id, epoch}) continue;
    std::string reason = state.terminate ? "terminating" : "";
    const auto now = std::chrono::steady_clock::now();
    if (reason.empty() && now >= retry_at) {
      try {
        if (ready) {
          auto written = record_commit(zk, run, *ready);
          std::lock_guard lock(state.mutex_);
          if (state.run_ && state.run_->tick.id == run.tick.id && state.run_->loop == run.loop) {
            state.ready_.reset();
            if (written) {
              state.run_->record = *written;
              run.record = *written;
              run.loop->note_durable(ready->end);
            }
          }
        }
        if (lost && run.record) reason = start_recovery(zk, run, *lost);
        if (lost && !run.record && !told_unrecoverable) {
          std::cerr << "flamestream worker " << state.name << ": " << run.tick.node << ": " << *lost
                    << "; without exactly-once the tick cannot recover, and its output may stay incomplete\n";
          told_unrecoverable = true;
        }
        if (reason.empty() && watch.due(run, now)) reason = stop_reason(zk, run, state.name);
        const Timestamp min_time = state.min_time_;
        const bool complete = min_time == kInfinity;
        if (run.acker_here && min_time != published && (complete || now - last_published >= kPublishProgress)) {
          write_progress(zk, run.tick, {min_time, complete});
          published = min_time;
          last_published = now;
        }
        logged = false;
      } catch (const std::exception& e) {
        watch.retry();
        retry_at = now + kRetry;
        // ZooKeeper away (or restarting): processing goes on; commits wait for it.
        if (!logged) std::cerr << "flamestream worker " << state.name << ": ZooKeeper: " << e.what() << "\n";
        logged = true;
      }
    }
    if (reason.empty()) continue;
    std::cerr << "flamestream worker " << state.name << ": stopping " << run.tick.node << " epoch "
              << epoch << ": " << reason << "\n";
    control.send(zmq::buffer(wire::encode({run.tick.id, 0, wire::Stop{}})), zmq::send_flags::none);
    stopped = {run.tick.id, epoch};
  }
}

}  // namespace flamestream
