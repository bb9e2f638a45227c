// Base-128 varints: 7 bits a byte, least significant first, the high bit set on every byte but the
// last. What the wire's item pages and the sink's output log write their numbers in: most of them
// (ids, lengths, trace entries, time deltas) fit one byte. Zigzag maps small signed deltas to small
// unsigned ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flamestream {

// Writes `v` at `p` (room for 10 bytes) and returns the end.
inline char* put_varint(char* p, std::uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline void append_varint(std::string& out, std::uint64_t v) {
  char bytes[10];
  out.append(bytes, static_cast<std::size_t>(put_varint(bytes, v) - bytes));
}

// The varint at `at` in `in`, `at` moved past it; none when it runs past the end or beyond 64 bits.
inline std::optional<std::uint64_t> read_varint(std::string_view in, std::size_t& at) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 64 && at < in.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in[at++]);
    if (shift == 63 && byte > 1) return std::nullopt;
    v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if (byte < 0x80) return v;
  }
  return std::nullopt;
}

inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

}  // namespace flamestream
