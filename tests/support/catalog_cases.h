// Seeded inputs for the catalog graphs and their reference outputs: what every engine's property
// test compares against.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "graphs/catalog.h"
#include "model/reference_executor.h"

namespace flamestream::test_support {

// Integer lines for the integer graphs; short lines over a small vocabulary for word count (few
// distinct words, so buckets are busy and the cycle replays often).
inline std::vector<std::string> input_lines(const std::string& graph, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> lines;
  if (graph == "wordcount" || graph == "inverted-index") {
    static const char* vocabulary[] = {"dog", "cat", "Dog", "emu", "owl", "a-b", "dog!"};
    const int n = std::uniform_int_distribution<int>(3, 12)(rng);
    for (int i = 0; i < n; ++i) {
      // An inverted-index line is a document: DOCID<TAB>text.
      std::string line = graph == "wordcount" ? "" : "d" + std::to_string(i) + "\t";
      const int words = std::uniform_int_distribution<int>(0, 6)(rng);
      for (int j = 0; j < words; ++j) line += std::string(vocabulary[rng() % 7]) + " ";
      lines.push_back(line);
    }
  } else {
    const int n = std::uniform_int_distribution<int>(10, 50)(rng);
    for (int i = 0; i < n; ++i) lines.push_back(std::to_string(rng() % 40 + 1));
  }
  return lines;
}

inline std::vector<std::string> render(const Job& job, const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const Item& item : items) {
    out.emplace_back();
    job.format(item.payload, out.back());
  }
  return out;
}

inline std::vector<std::string> reference_output(const Job& job,
                                                 const std::vector<std::string>& lines) {
  std::vector<Value> inputs;
  for (const auto& l : lines) inputs.push_back(job.parse(l));
  return render(job, run_reference(job.graph, inputs));
}

// For INSTANTIATE_TEST_SUITE_P over the catalog: every graph, named without dashes.
inline auto catalog_graphs() {
  return testing::Values(std::string("wordcount"), std::string("paper-grouping"),
                         std::string("chained-groupings"), std::string("replay-filter"),
                         std::string("inverted-index"));
}
inline std::string graph_test_name(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::erase(name, '-');
  return name;
}

}  // namespace flamestream::test_support
