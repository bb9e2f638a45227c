// The client side of a front: streams lines to the worker(s) hosting its instances and waits for
// admission.
//
// Lines go in numbered batches; a batch is acknowledged only once the front has stamped (and, with
// exactly-once, logged) it, so an acknowledged line is the system's responsibility (paper §3.3.1)
// and a slow graph slows the client down (at most `window` batches per instance unacknowledged).
// Until then a batch is the client's: when an instance answers "retry" (the job is recovering) or
// its worker was replaced (`relocate`), the client sends every unacknowledged batch of that
// instance again, on a fresh connection; the front skips the lines its log already holds, so none
// is taken twice.
//
// The client spreads its input over the instances it is given and keeps the input's order across
// them (DESIGN §6): it binds every instance to its own times first (an empty `bind` batch; each
// answers the lowest time it may give), then gives each line a time above the line before — its
// clock in nanoseconds, or just above the last. It reads the input in rounds of up to batch_lines
// lines and deals each round out line by line: of N instances, instance j gets lines
// j, j + N, ... with times first + j, first + j + N, ... (`stride`). So all instances work on the
// same stretch of time at once, and a grouping fed by several of them sees little disorder (a
// block of lines each would put one instance a whole block ahead of another, and every item of the
// block behind would land inside the buckets the other filled: replays). It tells each instance
// what it will never get again: after a batch, nothing below the end of the acker's slot its last line is
// in (the acker releases whole slots: the next batch takes its times from the next slot on); when
// the input pauses or the client waits for an instance, every instance, nothing below the end of
// the slot the clock is in. Without the latter, an instance whose admission waits for the minimal
// time could wait for one that waits for the client, which waits for the first. The input's order is the released order, whatever the
// number of instances. Used by `flamestream run` (over inproc://) and by `flamestream ingest` (tcp).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "runtime/security/cluster_key.h"

#include "front/source.h"
#include "model/meta.h"

namespace flamestream {

class IngestClient {
 public:
  struct Options {
    // Lines a round, dealt out over the instances (at least one each); fewer when the source would
    // wait (Source::ready).
    std::size_t batch_lines = 1024;
    const ClusterKey* key = nullptr;  // the cluster's key (CURVE), if it has one; must outlive the client
    // A round also leaves once its lines hold this many bytes: a line's state on the workers is
    // a multiple of its length, so a round of long lines would multiply that again (a round
    // holds at most one line more than this).
    std::size_t batch_bytes = std::size_t{1} << 20;
    std::size_t window = 16;         // per instance
    std::chrono::milliseconds reply_timeout{30'000};  // no reply for this long: the worker is gone
    std::uint64_t tick = 0;                            // the deployment the front belongs to
    // Asked while instance i does not reply: the endpoint of a new process hosting it, if its
    // worker was replaced since the last connection; nullopt otherwise.
    std::function<std::optional<std::string>(std::size_t instance)> relocate;
    // Told the time of a refused line as soon as the refusal comes, before the other instances
    // are closed: whoever merges the output drops what lies at or after it.
    std::function<void(Timestamp)> on_refused;
  };

  // `endpoints`: the workers hosting the instances to feed (at least one).
  IngestClient(zmq::context_t& context, const std::vector<std::string>& endpoints, std::string front,
               Options options);

  // Streams every line of `source`, then closes every instance. Returns the number of lines
  // accepted. A refused line throws InputError with the front's message, after everything before
  // it was accepted and every instance closed (refused_at() is then its time); so does a source
  // that fails to read, after the lines it gave were accepted and the instances closed.
  // `keep_going` is polled while waiting; returning false abandons the stream.
  std::uint64_t stream(Source& source, const std::function<bool()>& keep_going,
                       const std::function<void(std::uint64_t accepted)>& progress = {});

  // The time of the line an instance refused: lines at or after it are not part of the input.
  std::optional<Timestamp> refused_at() const { return refused_at_; }
  std::uint64_t resends() const { return resends_; }

 private:
  struct Batch {
    std::uint64_t seq = 0;  // per instance
    std::vector<std::string> lines;
    bool close = false;
    bool bind = false;
    Timestamp first_ts = 0;
    std::uint64_t stride = 1;  // between the times, and the input's numbers, of two lines
    Timestamp promise = 0;
    std::uint64_t first_line = 0;
    // The batches without lines, by name: built positionally, a promise once landed in `stride`
    // when that field came in, and idle instances never heard a promise.
    static Batch binding(std::uint64_t seq) {
      Batch b;
      b.seq = seq;
      b.bind = true;
      return b;
    }
    static Batch promising(std::uint64_t seq, Timestamp ts) {
      Batch b;
      b.seq = seq;
      b.promise = ts;
      return b;
    }
    static Batch closing(std::uint64_t seq) {
      Batch b;
      b.seq = seq;
      b.close = true;
      return b;
    }
  };
  struct Channel {
    zmq::socket_t socket;
    std::string endpoint;
    std::deque<Batch> unacked;
    std::uint64_t next_seq = 1;  // line numbers per instance start at 1
    Timestamp promised = 0;      // the last promise sent
    Timestamp next_ts = 0;       // to the bind: the lowest time it may be given
    Timestamp slot_width = 1;    // to the bind: the acker's
  };

  void connect(Channel& channel, const std::string& endpoint);
  void send(Channel& channel, Batch batch);
  void send_again(Channel& channel, const std::string& endpoint);
  // Waits for one reply from any instance with batches unacknowledged.
  void await_one(const std::function<bool()>& keep_going);
  void take_reply(Channel& channel);
  void bind_all(const std::function<bool()>& keep_going);
  // Every instance not told yet learns that no line below `next_ts_` comes.
  void promise_all();
  void close_all(const std::function<bool()>& keep_going);
  // Deals a round of lines out to the instances and sends it.
  void send_round(std::vector<Line>& round);
  // The time of the first of `lines` lines about to leave; the next line's is past their slot.
  Timestamp next_time(std::size_t lines);
  Timestamp slot_end(Timestamp ts) const;  // the first time of the next slot, or ts on a boundary

  zmq::context_t& context_;
  std::string front_;
  Options options_;
  std::vector<Channel> channels_;
  Timestamp next_ts_ = 1;     // the lowest time the next line may get
  Timestamp slot_width_ = 1;  // the widest of the instances' ackers' slots
  bool unpromised_ = false;   // lines were sent since the last promise_all()
  std::uint64_t accepted_ = 0;
  std::uint64_t resends_ = 0;
  std::optional<std::string> refused_;  // the first refusal's message
  std::optional<Timestamp> refused_at_;
  bool closed_ = false;
};

}  // namespace flamestream
