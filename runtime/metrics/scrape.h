// Reads the Prometheus text format back: the samples of an exposition, for `flamestream top`.
//
// Takes what this project's endpoints write (and the common subset of the format: comments,
// `name{label="value",...} value [timestamp]`); a line it cannot read is skipped, never fatal, so
// a foreign or damaged exposition still shows what it can.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace flamestream::metrics {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

std::vector<Sample> parse_exposition(const std::string& text);

// The sum of every sample named `name` whose labels include each of `match`.
double sum_of(const std::vector<Sample>& samples, const std::string& name,
              const std::map<std::string, std::string>& match = {});

}  // namespace flamestream::metrics
