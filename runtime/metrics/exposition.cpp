#include "runtime/metrics/exposition.h"

#include <cmath>
#include <cstdio>

namespace flamestream::metrics {

void Exposition::family(const std::string& name, const char* type, const char* help) {
  name_ = name;
  text_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Exposition::labels(const Labels& labels) {
  text_ += name_;
  if (labels.empty()) return;
  text_ += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text_ += ',';
    text_ += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '\\') text_ += "\\\\";
      else if (c == '"') text_ += "\\\"";
      else if (c == '\n') text_ += "\\n";
      else text_ += c;
    }
    text_ += '"';
  }
  text_ += '}';
}

void Exposition::sample(const Labels& l, double value) {
  labels(l);
  char buf[64];
  if (std::isnan(value)) std::snprintf(buf, sizeof buf, " NaN\n");
  else std::snprintf(buf, sizeof buf, " %.17g\n", value);
  text_ += buf;
}

void Exposition::sample(const Labels& l, std::uint64_t value) {
  labels(l);
  text_ += ' ' + std::to_string(value) + '\n';
}

}  // namespace flamestream::metrics
