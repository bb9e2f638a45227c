// Payload values from their Cap'n Proto form (the item lists of older encoders), and the decode
// budget every reader shares.
//
// Decoding keeps two invariants of codec.h: tuples nest no deeper than Limits::max_tuple_depth (so
// the recursion is bounded), and every decoded element and byte is charged to a budget of the
// message's own size, so aliased or zero-sized list elements cannot make a small message decode
// into a huge one. Internal to runtime/wire: dependents use codec.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "model/value.h"
#include "runtime/wire/codec.h"
#include "runtime/wire/messages.capnp.h"

namespace flamestream::wire {

// What one decode may still cost, in 8-byte words.
class DecodeBudget {
 public:
  explicit DecodeBudget(std::uint64_t words) : words_(words) {}

  // Charges `n` list elements: each occupies at least one word of its own in an honest message
  // (a struct element its sections, a blob element its pointer).
  void elements(std::uint64_t n, const char* what) { charge(n, what); }
  // Charges the content of a blob of `bytes` bytes (a Text's includes its NUL): whole words.
  void blob(std::uint64_t bytes, const char* what) { charge(bytes / 8 + (bytes % 8 != 0), what); }

 private:
  void charge(std::uint64_t words, const char* what);
  std::uint64_t words_;
};

// `depth`: how many tuples enclose `in`.
Value decode_value(schema::Value::Reader in, const Limits& limits, DecodeBudget& budget,
                   std::size_t depth = 0);

// A Data blob as a string of the same bytes.
inline std::string to_string(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

inline capnp::Data::Reader as_data(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

}  // namespace flamestream::wire
