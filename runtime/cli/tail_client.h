// The client side of `flamestream tail`: reads a sink's instances and prints their lines in the one
// order a single sink would have released them (DESIGN §6).
//
// Every instance's output log is read from the start, one request outstanding per instance (so
// every reply answers the last request); each reply carries its lines' order keys and the time
// below which the instance has released everything (TailReply). The lines meet in a ReleaseMerge
// and go out as soon as their place is settled. A worker that was replaced (its registration
// changed) is asked again from where its reading stopped: its log is on disk. Done once every
// instance said it released everything.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "runtime/cluster/cluster_state.h"
#include "runtime/security/cluster_key.h"
#include "runtime/wire/codec.h"
#include "sink/release_merge.h"

namespace flamestream {

class TailClient {
 public:
  struct Instance {
    std::string worker;
    Registration registration;
  };
  // `replaced(worker, known)`: the new registration of a worker that restarted, else nullopt.
  using Replaced = std::function<std::optional<Registration>(const std::string& worker, const Registration& known)>;

  // `key`: the cluster's key (CURVE), nullptr if it has none; it must outlive the client.
  TailClient(std::uint64_t tick, std::string sink, std::vector<Instance> instances, Replaced replaced,
             const ClusterKey* key);

  // Prints every line to `out` in order; returns once every instance is done.
  void run(std::ostream& out);
  // The same, each line (without its newline) to `on_line`, and `on_idle` whenever no instance
  // had anything new, before pausing for `idle_pause`.
  using LineFn = std::function<void(std::string_view line)>;
  void run(const LineFn& on_line, const std::function<void()>& on_idle,
           std::chrono::microseconds idle_pause = std::chrono::milliseconds(1));
  // Called about once a second while the client runs; what it throws ends run() (e.g. the tick
  // failed for good, and nothing more will come).
  void watch(std::function<void()> each_second) { watch_ = std::move(each_second); }
  // How often lines asked for had been removed by an output log's retention (each said on stderr).
  std::size_t removed_reports() const { return removed_reports_; }

 private:
  struct Line {
    std::string key;
    std::string line;
  };
  struct KeyOrder {
    bool before(const Line& a, const Line& b) const { return a.key < b.key; }
    Timestamp time(const Line& a) const;
  };
  struct Channel {
    Instance instance;
    zmq::socket_t socket;
    std::uint64_t offset = 0;
    bool asked = false;
    bool done = false;
    std::chrono::steady_clock::time_point last_answer = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_check = last_answer;  // of its worker's registration
  };

  void connect(Channel& c);
  void ask(Channel& c);
  // Takes one reply of instance `i`.
  void take(std::size_t i, const wire::TailReply& reply);
  // Lines [c.offset, first_kept) of an instance were removed by its log's retention: says so on
  // stderr and reads on from `first_kept`.
  void report_removed(Channel& c, std::uint64_t first_kept);
  // A channel silent for a while: its worker may have been replaced (asked of ZooKeeper once a
  // second); silent for 5 minutes, an error.
  void check_silent();
  // Calls watch_ if a second has passed since the last call.
  void check_watch();

  zmq::context_t context_;
  std::uint64_t tick_;
  std::string sink_;
  Replaced replaced_;
  std::function<void()> watch_;
  std::chrono::steady_clock::time_point last_watch_ = std::chrono::steady_clock::now();
  const ClusterKey* key_;
  std::vector<Channel> channels_;
  ReleaseMerge<Line, KeyOrder> merge_;
  std::size_t removed_reports_ = 0;
};

}  // namespace flamestream
