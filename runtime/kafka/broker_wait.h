// Waiting for a Kafka broker that does not answer, shared by every Kafka client of ours (the
// workers' PartitionReader, `ingest --kafka`, `tail --to-kafka`, `submit`): a pause between tries
// that grows from 0.1 s, doubling, to 5 s; the first failure said once on stderr; and, if given, a
// limit past which the caller gives up.
//
// Invariant: one message per wait, before its first pause; no pause runs past the limit, nor
// outlasts `quit` by more than 50 ms.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace flamestream {

class BrokerWait {
 public:
  // `limit` zero: wait for ever. `quit` is asked every 50 ms of a pause; true ends the wait.
  explicit BrokerWait(std::chrono::milliseconds limit = {}, std::function<bool()> quit = {});

  // How long one try may block in librdkafka: `cap_ms`, or less so that the limit is kept.
  int try_ms(int cap_ms) const;
  // After a failed try: says `message` on stderr if it is the first failure, then pauses. False,
  // with no pause, once the limit is reached or `quit` said so: the caller gives up.
  bool again(const std::string& message);
  // Whether a try failed (its message went out).
  bool failed() const { return said_; }
  // "; retrying with a growing pause (0.1 s doubling to 5 s) until one answers" (or "for up to N s"):
  // the end of a failure's message.
  std::string retrying() const;
  std::chrono::milliseconds limit() const { return limit_; }

 private:
  std::chrono::milliseconds left() const;

  std::chrono::milliseconds limit_;
  std::function<bool()> quit_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::milliseconds pause_{100};
  bool said_ = false;
};

}  // namespace flamestream
