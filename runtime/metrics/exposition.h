// Writes metrics in the Prometheus text exposition format (version 0.0.4).
//
// One family at a time: family() writes its HELP and TYPE lines, sample() its samples. Label
// values are escaped as the format requires (backslash, double quote, newline), so any node or
// worker name gives a valid exposition. Invariant: every sample follows the HELP/TYPE of its family.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flamestream::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
 public:
  // `type`: "counter" or "gauge".
  void family(const std::string& name, const char* type, const char* help);
  void sample(const Labels& labels, double value);
  void sample(const Labels& labels, std::uint64_t value);

  const std::string& text() const { return text_; }

 private:
  void labels(const Labels& labels);

  std::string text_;
  std::string name_;
};

// The content type Prometheus expects for this format.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace flamestream::metrics
