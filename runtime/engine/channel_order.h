// Numbered peer channels: what tells a receiver that a connection lost messages.
//
// ZeroMQ keeps order on one connection, but when a connection closes (a heartbeat timeout, a
// reset) and the DEALER reconnects, whatever was in flight on it is gone, and what was queued
// behind it follows as if nothing had happened. So every message a worker sends a peer carries,
// in a frame before its body, the number of messages its socket sent before it (8 bytes, little
// endian); after each reconnection the sender adds a probe, the next number with an empty body,
// so a loss shows even when nothing else follows.
//
// Invariant: the receiver hands on a message of a socket (a ROUTER identity) only if every
// earlier one of that socket came before it; from the first gap on it hands on nothing more of
// that socket, and says so once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace flamestream {

inline constexpr std::size_t kChannelHeaderBytes = 8;

std::string channel_header(std::uint64_t number);
// The number in a header frame; false if the frame is not one.
bool read_channel_header(std::string_view frame, std::uint64_t& number);

class ChannelOrder {
 public:
  enum class Verdict {
    deliver,    // the next message of its socket
    probe,      // a probe that found nothing missing
    first_gap,  // a message (or probe) after a gap: what came between is lost
    after_gap,  // a later message of a socket that already lost some: dropped too
  };

  // `probe`: the message had an empty body.
  Verdict check(const std::string& identity, std::uint64_t number, bool probe);

 private:
  struct Channel {
    std::uint64_t next = 0;
    bool broken = false;
    std::uint64_t last_use = 0;
  };
  // Identities of ended runs are never heard again: past this many, the least recently heard goes.
  static constexpr std::size_t kMaxChannels = 4096;

  std::unordered_map<std::string, Channel> channels_;
  std::uint64_t uses_ = 0;
};

}  // namespace flamestream
