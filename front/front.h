// A front (paper §3.3.1): where payloads enter and get their global time.
//
// Global times are (ts, front id) with ts strictly increasing per front, so no two inputs share one.
// The front also makes promises to the acker (promise()): it never assigns a timestamp below one it
// promised, even if its clock steps back after the promise. After a recovery the front replays its
// ingestion log: it re-assigns the logged timestamps (restamp()) and, until end_replay(), promises
// nothing beyond the next logged one, so the minimal time cannot pass an input not replayed yet.
//
// Two ways to tell time. On its own clock (the paper's), a front stamps each input with the clock
// reading and its promise follows the clock even without input (heartbeats). Bound to a client
// (bind()), a front takes the timestamps the client gives and promises only what the client
// promised (raise_promise()): one client that spreads its input over several front instances keeps
// the input's order across them, since it alone hands out the times (DESIGN §6). A bound front
// never goes back to its clock.
#pragma once

#include <algorithm>
#include <optional>

#include "model/errors.h"
#include "model/meta.h"

namespace flamestream {

class Front {
 public:
  explicit Front(FrontId id) : id_(id) {}

  FrontId id() const { return id_; }

  // The global time of the next input, at clock reading `now` (or, bound, the time the client gave
  // it): now, or just above the last one and the promise.
  GlobalTime stamp(Timestamp now) {
    check_invariant(!closed_, "a closed front was asked to stamp an input");
    last_ = std::max(now, floor());
    stamped_ = true;
    return {last_, id_};
  }

  // Binds the front to a client's times: the clock no longer moves its promise. Returns the lowest
  // timestamp the client may give.
  // Its clock's last promise still holds: the floor is at or above it.
  Timestamp bind() {
    bound_ = true;
    return floor();
  }
  bool bound() const { return bound_; }
  // Bound: the client will give no timestamp below `ts` again.
  // Replaying, the promise is one the log recorded: the replay holds the promise until there too.
  void raise_promise(Timestamp ts) {
    if (ts > promised_) promised_ = ts;
    if (replay_next_ && ts > *replay_next_) replay_next_ = ts;
  }

  // Replay: the next input carries logged timestamp `ts` (at or above `first`, which
  // hold_for_replay() announced), not the clock's.
  void hold_for_replay(Timestamp first) { replay_next_ = first; }
  GlobalTime restamp(Timestamp ts) {
    check_invariant(!closed_ && replay_next_ && ts >= *replay_next_ && (!stamped_ || ts > last_),
                    "a replayed timestamp went back, or came outside a replay");
    last_ = ts;
    stamped_ = true;
    replay_next_ = ts + 1;
    return {last_, id_};
  }
  void end_replay() { replay_next_.reset(); }
  bool replaying() const { return replay_next_.has_value(); }

  // The lowest timestamp this front could still assign at clock reading `now` (ignored when bound).
  Timestamp next_ts(Timestamp now) const {
    if (closed_) return kInfinity;
    if (replay_next_) return *replay_next_;
    return std::max(bound_ ? 0 : now, floor());
  }

  // Promises the acker that no timestamp below the returned one will be assigned again.
  Timestamp promise(Timestamp now) {
    const Timestamp p = next_ts(now);
    if (p > promised_) promised_ = p;
    return p;
  }

  // The last timestamp assigned (meaningful once something was stamped).
  Timestamp last_ts() const { return last_; }

  // After close() the front assigns nothing more: its promise becomes infinity.
  void close() { closed_ = true; }
  bool closed() const { return closed_; }

 private:
  // The lowest timestamp still allowed whatever the clock says: above the last one and the promise.
  Timestamp floor() const { return std::max(stamped_ ? last_ + 1 : 0, promised_); }

  FrontId id_;
  bool bound_ = false;
  Timestamp last_ = 0;
  Timestamp promised_ = 0;
  bool stamped_ = false;
  bool closed_ = false;
  std::optional<Timestamp> replay_next_;  // set while replaying the ingestion log
};

}  // namespace flamestream
