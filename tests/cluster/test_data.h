// What the cluster tests feed the system: seeded texts, valid and mangled wire messages, raw bytes
// for the workers' ports, and small helpers to compare outputs.
#pragma once


#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "graphs/catalog.h"
#include "runtime/coordination/zk_client.h"
#include "runtime/security/cluster_key.h"
#include "runtime/security/curve.h"
#include "runtime/wire/codec.h"
#include "tests/cluster/process.h"
#include "tests/support/zk_server.h"


namespace flamestream::cluster_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test_support::Process;
using test_support::RunResult;
using test_support::ZkServer;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness (the standard distributions differ between libraries).

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }  // bias is irrelevant here
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  std::string bytes(std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(next());
    return s;
  }
};

// A text of at least `min_words` words over `vocabulary` distinct ones, drawn with Zipf-like
// frequencies (s = 1.05): a few very common words and a long tail. Lines hold 1-20 words; some
// words are capitalised or upper-case, some carry punctuation, quotes, brackets, hyphens, a
// possessive, or a non-ASCII dash between them.
inline std::string generate_text(std::uint64_t seed, std::size_t min_words, std::size_t vocabulary) {
  SplitMix64 rng{seed};
  std::set<std::string> seen;
  std::vector<std::string> words;
  while (words.size() < vocabulary) {
    std::string w;
    const std::size_t length = 2 + rng.below(9);
    for (std::size_t i = 0; i < length; ++i) w += static_cast<char>('a' + rng.below(26));
    if (rng.chance(0.04)) w += std::to_string(rng.below(100));
    if (seen.insert(w).second) words.push_back(w);
  }
  std::vector<double> cumulative;
  double total = 0;
  for (std::size_t r = 0; r < vocabulary; ++r) {
    total += 1.0 / std::pow(static_cast<double>(r + 1), 1.05);
    cumulative.push_back(total);
  }
  const auto draw = [&]() -> std::string {
    const double u = rng.unit() * total;
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    if (it == cumulative.end()) --it;
    std::string w = words[static_cast<std::size_t>(it - cumulative.begin())];
    if (rng.chance(0.10)) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    if (rng.chance(0.02))
      for (auto& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return w;
  };
  static const std::array<const char*, 6> trailing = {",", ".", ";", ":", "!", "?"};
  std::string text;
  std::size_t count = 0;
  while (count < min_words) {
    const std::size_t line_words = 1 + rng.below(20);
    for (std::size_t i = 0; i < line_words; ++i, ++count) {
      if (i > 0) text += rng.chance(0.01) ? " \xE2\x80\x94 " : " ";  // an em dash, in UTF-8
      std::string w = draw();
      if (rng.chance(0.02)) {
        w += "-" + draw();
        ++count;
      }
      if (rng.chance(0.02)) w += "'s";
      if (rng.chance(0.03)) w = (rng.chance(0.5) ? "(" + w + ")" : "\"" + w + "\"");
      if (rng.chance(0.12)) w += trailing[rng.below(trailing.size())];
      text += w;
    }
    text += '\n';
  }
  return text;
}

inline std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

inline std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

// Where two outputs first differ, for a readable failure instead of two 30,000-line dumps.
inline std::string first_difference(const std::string& actual, const std::string& expected) {
  std::istringstream a(actual), e(expected);
  std::string la, le;
  for (std::size_t line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool he = static_cast<bool>(std::getline(e, le));
    if (!ha && !he) return "no line differs (trailing bytes differ)";
    if (ha != he || la != le)
      return "line " + std::to_string(line) + ": got " + (ha ? "'" + la + "'" : "end of output") +
             ", expected " + (he ? "'" + le + "'" : "end of output");
  }
}

#define EXPECT_SAME_OUTPUT(actual, expected, what)                                            \
  EXPECT_TRUE((actual) == (expected))                                                         \
      << what << ": " << count_lines(actual) << " lines (" << (actual).size() << " bytes), "  \
      << "expected " << count_lines(expected) << " lines (" << (expected).size() << " bytes); " \
      << first_difference(actual, expected)

inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// ---------------------------------------------------------------------------------------------
// Garbage for the workers' sockets.

// Raw TCP: connects, writes `bytes`, closes. A worker may hang up first; that is fine.
inline void send_raw_tcp(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
}

// A ZMTP 3.0 greeting (NULL mechanism, as client): gets past the first check of a ZeroMQ peer.
inline std::string zmtp_greeting() {
  std::string g(64, '\0');
  g[0] = '\xFF';
  g[9] = '\x7F';
  g[10] = 3;  // version 3.0
  g[11] = 0;
  g.replace(12, 4, "NULL");
  return g;
}

// The greeting, a READY command of a DEALER, then the header of one frame of `claimed` bytes.
inline std::string zmtp_handshake_and_huge_frame(std::uint64_t claimed) {
  std::string s = zmtp_greeting();
  const std::string ready = std::string("\x05READY", 6) + "\x0bSocket-Type" +
                            std::string("\x00\x00\x00\x06", 4) + "DEALER";
  s += '\x04';
  s += static_cast<char>(ready.size());
  s += ready;
  s += '\x02';  // a long, final message frame
  for (int shift = 56; shift >= 0; shift -= 8) s += static_cast<char>((claimed >> shift) & 0xFF);
  return s;
}

// One message of every kind a worker may receive, valid for a wordcount tick on three workers.
inline std::vector<std::string> valid_messages(std::uint64_t tick) {
  const Job job = make_job("wordcount");
  const NodeId inner = static_cast<NodeId>(job.graph.nodes().size() - 1);
  std::vector<Envelope> envelopes;
  for (NodeId node : {NodeId{1}, inner}) {
    Envelope e;
    e.node = node;
    e.ack_id = 0x9E3779B97F4A7C15ULL ^ node;
    e.item.payload = Value::tuple({Value("word"), Value(std::int64_t{3})});
    e.item.meta.time = GlobalTime{1234567890123ULL, job.graph.fronts().at(0)};
    e.item.meta.trace = {LocalTime{1, 0}, LocalTime{2, 1}};
    envelopes.push_back(std::move(e));
  }
  AckDelta delta;
  delta.slots = {{1000, 0xDEADBEEF}, {2000, 42}};
  delta.reports = {{job.graph.fronts().at(0), 3000}};
  std::vector<wire::Body> bodies = {
      wire::ItemBatch{envelopes},
      delta,
      wire::MinTimeUpdate{5000},
      wire::IngestLines{"in", 0, {"some words", "and more words"}, false},
      wire::TailRequest{"out", 0},
      wire::Stop{},
  };
  std::vector<std::string> out;
  for (auto& body : bodies) out.push_back(wire::encode(wire::Message{tick, 1, std::move(body)}));
  return out;
}

// What a wordcount worker of a three-worker tick accepts.
inline wire::Limits wordcount_limits() { return wire::Limits{make_job("wordcount").graph.nodes().size(), 3}; }

inline bool decodes(const std::string& bytes) {
  try {
    wire::decode(bytes, wordcount_limits());
    return true;
  } catch (const std::exception&) {  // WireError; anything else is garbage too (and a codec bug)
    return false;
  }
}

// The tick a frame claims to belong to, if even that can be read.
inline std::optional<std::uint64_t> claimed_tick(const std::string& bytes) {
  try {
    return wire::peek_tick(bytes);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Frames for a worker's ROUTER that must all be dropped: random bytes, truncated and mutated
// messages of every kind, and messages well-formed but wrong for the job (sender or node out of
// range). Only frames that wire::decode() itself rejects are kept, and none that claims a tick
// later than `tick` (GarbageClaimingALaterTickIsDroppedToo covers those): a frame that decodes is
// a message, not garbage, and may legitimately change what the job does.
struct GarbageStats {
  std::size_t frames = 0;
  std::size_t skipped_valid = 0;
  std::size_t skipped_later_tick = 0;
};

inline std::vector<std::string> garbage_frames(SplitMix64& rng, std::uint64_t tick, GarbageStats& stats) {
  std::vector<std::string> candidates;
  for (std::size_t n : {0, 1, 3, 8, 16, 24, 100, 1000, 4000}) candidates.push_back(rng.bytes(n));
  const auto valid = valid_messages(tick);
  for (const std::string& m : valid) {
    candidates.push_back(m.substr(0, rng.below(m.size())));  // truncated anywhere
    candidates.push_back(m.substr(0, m.size() - 1 - rng.below(std::min<std::size_t>(m.size(), 8))));
    for (int k = 0; k < 4; ++k) {  // 1-4 random bytes changed
      std::string x = m;
      const std::size_t flips = 1 + rng.below(4);
      for (std::size_t f = 0; f < flips; ++f)
        x[rng.below(x.size())] ^= static_cast<char>(1 + rng.below(255));
      candidates.push_back(std::move(x));
    }
    std::string tail_garbage = m + rng.bytes(1 + rng.below(64));  // trailing junk
    candidates.push_back(std::move(tail_garbage));
  }
  // Well-formed, but not for this job: an unknown sender, an unknown node.
  candidates.push_back(wire::encode(wire::Message{tick, 99, wire::MinTimeUpdate{1}}));
  Envelope e;
  e.node = 1000000;
  e.item.payload = Value("x");
  candidates.push_back(wire::encode(wire::Message{tick, 0, wire::ItemBatch{{e}}}));

  std::vector<std::string> frames;
  for (auto& c : candidates) {
    if (decodes(c)) {
      ++stats.skipped_valid;
      continue;
    }
    if (auto t = claimed_tick(c); t && *t > tick) {
      ++stats.skipped_later_tick;
      continue;
    }
    frames.push_back(std::move(c));
  }
  stats.frames += frames.size();
  return frames;
}

}  // namespace flamestream::cluster_test
