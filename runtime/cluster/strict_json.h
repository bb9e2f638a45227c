// JSON from users and from ZooKeeper, parsed strictly: what nlohmann::json accepts but a tick must
// not mean.
//
// A duplicate key would silently let its last value win ({"graph": "a", "graph": "b"} deploys b);
// a NUL byte ends the text for tools that read it as a C string, so what they check and what we
// deploy would differ; and a document nested without limit exhausts the stack of every recursive
// walk over it (dump, comparison, destruction). Each is refused with a JsonError naming the place.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

namespace flamestream {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Objects and arrays nested deeper than this are refused.
inline constexpr std::size_t kMaxJsonDepth = 64;

// Parses one JSON document (nothing but whitespace after it). Throws JsonError naming what is
// wrong: a syntax error, a NUL byte, a duplicate key, nesting deeper than kMaxJsonDepth.
nlohmann::json parse_strict_json(std::string_view text);

}  // namespace flamestream
