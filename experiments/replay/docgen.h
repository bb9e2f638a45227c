// A seeded generator of documents for the inverted index (and of text for word count).
//
// Words are drawn from a Zipf distribution over a synthetic vocabulary (rank r has probability
// proportional to 1/r^s; rank 1 is the most frequent word), and document lengths from a log-normal
// distribution around a median — the heavy right tail of real article lengths. Every number comes
// from our own arithmetic on a std::mt19937_64 stream (no std:: distributions, whose results differ
// between standard libraries), so a seed gives the same documents everywhere.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace flamestream::replay {

struct DocGenConfig {
  std::uint64_t seed = 1;
  std::size_t docs = 100;
  std::size_t median_words = 200;  // median document length in words
  double length_sigma = 0.7;       // sigma of the log-normal length (0: every document the median)
  std::size_t vocabulary = 10'000;
  double zipf_s = 1.0;
};

// The word of a vocabulary rank (0-based): distinct for distinct ranks, lowercase letters only,
// shorter for more frequent ranks.
std::string vocabulary_word(std::size_t rank);

class ZipfSampler {
 public:
  ZipfSampler(std::size_t n, double s);
  std::size_t operator()(std::mt19937_64& rng) const;  // a 0-based rank

 private:
  std::vector<double> cdf_;
};

double uniform01(std::mt19937_64& rng);  // in [0, 1), 53 random bits

// `docs` lines "DOCID<TAB>text", DOCIDs 1, 2, ... Text has sentences: capitalised first words and
// full stops, which the tokenizer folds away.
std::vector<std::string> generate_documents(const DocGenConfig& config);

}  // namespace flamestream::replay
