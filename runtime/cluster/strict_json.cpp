#include "runtime/cluster/strict_json.h"

#include <set>
#include <string>
#include <vector>

namespace flamestream {

using nlohmann::json;

nlohmann::json parse_strict_json(std::string_view text) {
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    throw JsonError("a NUL byte at offset " + std::to_string(nul));
  // The keys seen so far in each object open around the parser, innermost last; nullptr for an
  // array. The callback sees every key before its value, and the open/close of every container.
  std::vector<std::set<std::string>> keys;
  std::vector<bool> is_object;
  const json::parser_callback_t check = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (is_object.size() >= kMaxJsonDepth)
          throw JsonError("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        is_object.push_back(event == json::parse_event_t::object_start);
        if (is_object.back()) keys.emplace_back();
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!is_object.empty()) {
          if (is_object.back()) keys.pop_back();
          is_object.pop_back();
        }
        break;
      case json::parse_event_t::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
          throw JsonError("the key \"" + parsed.get<std::string>() + "\" appears twice in one object");
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), check);
  } catch (const json::parse_error& e) {
    throw JsonError(e.what());
  }
}

}  // namespace flamestream
