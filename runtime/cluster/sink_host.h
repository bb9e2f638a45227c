// The sink role of a cluster worker, for one epoch of a deployment (DESIGN §6).
//
// What the sink instances here release goes, formatted, into their output logs (the worker's
// storage with exactly-once, memory otherwise), flushed at every advance of the minimal time before
// the loop handles anything else. `tail` clients read each log from any offset, with each line's
// order key and the time below which the instance has released everything (sink_log.h), so they
// can merge the instances of a sink into one order. Invariant: a line a client was sent is in the
// log (flushed), and nothing below the time a reply names is still to come.
#pragma once

#include <functional>
#include <string>

#include "graphs/catalog.h"
#include "runtime/placement.h"
#include "runtime/wire/codec.h"
#include "sink/output_log.h"

namespace flamestream {

class SinkHost {
 public:
  using OutputOf = std::function<OutputLog&(NodeId sink)>;

  SinkHost(const Job& job, const Placement& placement, WorkerId self, OutputOf output_of);

  // A sink instance here released `item` (in order).
  void release(NodeId sink, const Item& item);
  // The minimal time here reached `min_ts`: everything released below it is written.
  void on_min_time(Timestamp min_ts);
  // The minimal time reached infinity: the logs are final.
  void on_all_released() { finished_ = true; }
  // A tail client's request for one of the sinks here.
  wire::TailReply tail(const wire::TailRequest& request) const;

 private:
  const Job& job_;
  const Placement& placement_;
  WorkerId self_;
  OutputOf output_of_;
  bool finished_ = false;
  Timestamp released_to_ = 0;  // the sinks here released everything below it
  std::string line_;           // release(): the line being formatted, kept for its capacity
};

}  // namespace flamestream
