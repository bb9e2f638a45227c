#include "runtime/metrics/scrape.h"

#include <cstdlib>
#include <sstream>

namespace flamestream::metrics {

namespace {

// Reads `{a="x",b="y"}` from `line` at `at` (just past '{'); false when malformed.
bool read_labels(const std::string& line, std::size_t& at, std::map<std::string, std::string>& labels) {
  while (at < line.size() && line[at] != '}') {
    const auto eq = line.find('=', at);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
    std::string key = line.substr(at, eq - at);
    std::string value;
    std::size_t i = eq + 2;
    for (; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        value += line[i] == 'n' ? '\n' : line[i];
      } else {
        value += line[i];
      }
    }
    if (i >= line.size()) return false;
    labels[std::move(key)] = std::move(value);
    at = i + 1;
    if (at < line.size() && line[at] == ',') ++at;
  }
  if (at >= line.size()) return false;
  ++at;  // '}'
  return true;
}

}  // namespace

std::vector<Sample> parse_exposition(const std::string& text) {
  std::vector<Sample> samples;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    std::size_t at = line.find_first_of("{ ");
    if (at == std::string::npos) continue;
    s.name = line.substr(0, at);
    if (line[at] == '{') {
      ++at;
      if (!read_labels(line, at, s.labels)) continue;
    }
    const std::string rest = line.substr(at);
    char* end = nullptr;
    s.value = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) continue;
    samples.push_back(std::move(s));
  }
  return samples;
}

double sum_of(const std::vector<Sample>& samples, const std::string& name,
              const std::map<std::string, std::string>& match) {
  double sum = 0;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : match) {
      auto it = s.labels.find(k);
      all = all && it != s.labels.end() && it->second == v;
    }
    if (all) sum += s.value;
  }
  return sum;
}

}  // namespace flamestream::metrics
