// Robustness of decode() on hostile bytes: random strings, random words behind a valid segment
// table, and mutations of valid messages must decode or throw WireError, and nothing else.
// A message that does decode must re-encode to bytes that decode to the same message again.
#include <capnp/schema.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "runtime/wire/codec.h"
#include "runtime/wire/messages.capnp.h"
#include "tests/wire/samples.h"

namespace flamestream::wire {
namespace {

using namespace samples;

// Limits that let random ids through, so random words get past the id checks into the payloads.
Limits permissive() {
  Limits limits;
  limits.node_count = std::size_t{1} << 32;
  limits.worker_count = std::size_t{1} << 32;
  return limits;
}

struct Outcome {
  int accepted = 0;
  int rejected = 0;
};

// Decodes hostile bytes; anything other than success or WireError escapes and fails the test.
void attempt(const std::string& bytes, Outcome& outcome, const Limits& limits = default_limits()) {
  Message m;
  try {
    m = decode(bytes, limits);
  } catch (const WireError&) {
    ++outcome.rejected;
    return;
  }
  ++outcome.accepted;
  const std::string again = encode(m);
  EXPECT_EQ(encode(decode(again, limits)), again);
}

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

void set_u32(std::string& s, std::size_t at, std::uint32_t v) { std::memcpy(s.data() + at, &v, 4); }

TEST(WireFuzz, RandomByteStrings) {
  std::mt19937_64 rng(20240601);
  Outcome outcome;
  for (int i = 0; i < 20000; ++i)
    attempt(random_bytes(rng, std::uniform_int_distribution<std::size_t>(0, 2000)(rng)), outcome);
  RecordProperty("accepted", outcome.accepted);
  EXPECT_EQ(outcome.accepted + outcome.rejected, 20000);
}

// A word that is often a well-formed pointer: a struct or list pointer to somewhere nearby.
std::uint64_t plausible_word(std::mt19937_64& rng, std::size_t words) {
  const std::uint64_t r = rng();
  switch (r % 4) {
    case 0: return rng();  // anything
    case 1: return rng() % 16;  // a small number or a null pointer
    case 2: {  // struct pointer: offset, data words, pointer count
      const std::uint64_t offset = rng() % words;
      return (offset << 2) | ((rng() % 4) << 32) | ((rng() % 3) << 48);
    }
    default: {  // list pointer: offset, element size, count
      const std::uint64_t offset = rng() % words;
      return 1 | (offset << 2) | ((rng() % 8) << 32) | ((rng() % 24) << 35);
    }
  }
}

TEST(WireFuzz, RandomWordsBehindAValidSegmentTable) {
  const auto body = capnp::Schema::from<schema::Message::Body>().getProto().getStruct();
  const std::size_t discriminant_byte = 8 + std::size_t{body.getDiscriminantOffset()} * 2;
  std::mt19937_64 rng(7);
  Outcome outcome;
  for (int i = 0; i < 20000; ++i) {
    const std::size_t words = std::uniform_int_distribution<std::size_t>(2, 120)(rng);
    std::string s(words * 8, '\0');
    for (std::size_t w = 1; w < words; ++w) {
      const std::uint64_t v = plausible_word(rng, words);
      std::memcpy(s.data() + w * 8, &v, 8);
    }
    set_u32(s, 0, 0);                                          // one segment ...
    set_u32(s, 4, static_cast<std::uint32_t>(words - 1));  // ... holding the rest
    if (rng() % 4 && words >= 6) {
      // A Message root right after it (3 data words, 1 pointer) with a valid body kind.
      const std::uint64_t root = (std::uint64_t{3} << 32) | (std::uint64_t{1} << 48);
      std::memcpy(s.data() + 8, &root, 8);
      const std::uint16_t kind = static_cast<std::uint16_t>(1 + rng() % 9);
      std::memcpy(s.data() + 8 + discriminant_byte, &kind, 2);
      set_u32(s, 8 + 8 + 8, static_cast<std::uint32_t>(rng() % 3));  // sender
    }
    attempt(s, outcome, i % 2 ? permissive() : default_limits());
  }
  RecordProperty("accepted", outcome.accepted);
  EXPECT_EQ(outcome.accepted + outcome.rejected, 20000);
}

std::string mutate(std::string s, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int k = 0; k < edits; ++k) {
    switch (rng() % 5) {
      case 0:  // flip a few bytes
        for (int f = 1 + static_cast<int>(rng() % 8); f > 0 && !s.empty(); --f)
          s[rng() % s.size()] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:  // overwrite a whole word
        if (s.size() >= 8) {
          const std::size_t at = (rng() % (s.size() / 8)) * 8;
          const std::uint64_t w = rng();
          std::memcpy(s.data() + at, &w, 8);
        }
        break;
      case 2:  // truncate, usually to a word boundary
        if (!s.empty()) {
          std::size_t n = rng() % s.size();
          if (rng() % 4) n -= n % 8;
          s.resize(n);
        }
        break;
      case 3: {  // extend, usually by whole words, sometimes claiming them in the segment table
        std::size_t n = 1 + rng() % 64;
        if (rng() % 4) n = (n + 7) / 8 * 8;
        s += random_bytes(rng, n);
        if (rng() % 2 && s.size() >= 8 && s.size() % 8 == 0)
          set_u32(s, 4, static_cast<std::uint32_t>(s.size() / 8 - 1));
        break;
      }
      case 4:  // small integer tweaks, which hit counts, offsets and discriminants
        if (s.size() >= 2) {
          const std::size_t at = rng() % (s.size() - 1);
          const std::uint16_t v = static_cast<std::uint16_t>(rng() % 16);
          std::memcpy(s.data() + at, &v, 2);
        }
        break;
    }
  }
  return s;
}

TEST(WireFuzz, MutationsOfValidMessages) {
  std::vector<std::string> seeds;
  for (const Message& m : sample_messages()) seeds.push_back(encode(m));
  std::mt19937_64 rng(99);
  Outcome outcome;
  for (int i = 0; i < 20000; ++i)
    attempt(mutate(seeds[rng() % seeds.size()], rng), outcome,
            i % 4 ? default_limits() : permissive());
  RecordProperty("accepted", outcome.accepted);
  EXPECT_EQ(outcome.accepted + outcome.rejected, 20000);
  // The mutations must reach past the framing checks: some mangled messages still decode.
  EXPECT_GT(outcome.accepted, 100);
  EXPECT_GT(outcome.rejected, 100);
}

}  // namespace
}  // namespace flamestream::wire
