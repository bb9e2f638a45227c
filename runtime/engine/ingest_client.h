// The client side of a front: streams lines to the worker hosting it and waits for admission.
//
// Lines go in numbered batches; a batch is acknowledged only once the front has stamped (and, with
// exactly-once, logged) it, so an acknowledged line is the system's responsibility (paper §3.3.1)
// and a slow graph slows the client down (at most `window` batches are unacknowledged). Until then
// a batch is the client's: when the front answers "retry" (the job is recovering) or its worker was
// replaced (`relocate`), the client sends every unacknowledged batch again, on a fresh connection;
// the front skips the lines its log already holds, so none is taken twice. Used by `flamestream
// run` (over inproc://) and by `flamestream ingest` (over tcp://).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "front/source.h"

namespace flamestream {

class IngestClient {
 public:
  struct Options {
    std::size_t batch_lines = 1024;  // at most; fewer when the source would wait (Source::ready)
    std::size_t window = 16;
    std::chrono::milliseconds reply_timeout{30'000};  // no reply for this long: the worker is gone
    std::uint64_t tick = 0;                            // the deployment the front belongs to
    // Asked while no reply comes: the endpoint of a new process hosting the front, if its worker
    // was replaced since the last connection; nullopt otherwise.
    std::function<std::optional<std::string>()> relocate;
  };

  IngestClient(zmq::context_t& context, const std::string& endpoint, std::string front,
               Options options);

  // Streams every line of `source`, then closes the front. Returns the number of lines accepted.
  // A refused line throws InputError with the front's message, after everything before it was
  // accepted; so does a source that fails to read, after the lines it gave were accepted and the
  // front closed. `keep_going` is polled while waiting; returning false abandons the stream.
  std::uint64_t stream(Source& source, const std::function<bool()>& keep_going,
                       const std::function<void(std::uint64_t accepted)>& progress = {});

  std::uint64_t resends() const { return resends_; }

 private:
  struct Batch {
    std::uint64_t seq = 0;
    std::vector<std::string> lines;
    bool close = false;
  };
  void connect(const std::string& endpoint);
  void send(const Batch& batch);
  void send_again(const std::string& endpoint);
  void await_one(const std::function<bool()>& keep_going);

  zmq::context_t& context_;
  zmq::socket_t socket_;
  std::string endpoint_;
  std::string front_;
  Options options_;
  std::deque<Batch> unacked_;
  std::uint64_t next_seq_ = 1;  // line numbers start at 1
  std::uint64_t accepted_ = 0;
  std::uint64_t resends_ = 0;
};

}  // namespace flamestream
