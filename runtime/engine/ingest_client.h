// The client side of a front: streams lines to the worker hosting it and waits for admission.
//
// Lines go in numbered batches; a batch is acknowledged only once the front has stamped it, so an
// acknowledged line is the system's responsibility (paper §3.3.1) and a slow graph slows the client
// down (at most `window` batches are unacknowledged). Used by `flamestream run` (over inproc://)
// and by `flamestream ingest` (over tcp://).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <zmq.hpp>

#include "front/source.h"

namespace flamestream {

class IngestClient {
 public:
  struct Options {
    std::size_t batch_lines = 1024;
    std::size_t window = 4;
    std::chrono::milliseconds reply_timeout{30'000};  // no reply for this long: the worker is gone
    std::uint64_t tick = 0;                            // the deployment the front belongs to
  };

  IngestClient(zmq::context_t& context, const std::string& endpoint, std::string front,
               Options options);

  // Streams every line of `source`, then closes the front. Returns the number of lines accepted.
  // A refused line throws InputError with the front's message, after everything before it was
  // accepted. `keep_going` is polled while waiting; returning false abandons the stream.
  std::uint64_t stream(Source& source, const std::function<bool()>& keep_going,
                       const std::function<void(std::uint64_t accepted)>& progress = {});

 private:
  void send_batch(std::uint64_t first_line, std::vector<std::string> lines, bool close);
  void await_one(const std::function<bool()>& keep_going);

  zmq::socket_t socket_;
  std::string front_;
  Options options_;
  std::size_t outstanding_ = 0;
  std::uint64_t accepted_ = 0;
};

}  // namespace flamestream
