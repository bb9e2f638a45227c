#include "experiments/replay/docgen.h"

#include <algorithm>
#include <cmath>

namespace flamestream::replay {

namespace {

constexpr char kConsonants[] = "bdfghklmnprstvz";  // 15
constexpr char kVowels[] = "aeiou";                // 5
constexpr std::size_t kSyllables = 75;             // every syllable is two letters: unique decoding

double standard_normal(std::mt19937_64& rng) {
  // Box-Muller; 1 - u keeps the logarithm finite.
  const double u = 1.0 - uniform01(rng);
  const double v = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * 3.14159265358979323846 * v);
}

}  // namespace

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::string vocabulary_word(std::size_t rank) {
  // Bijective base 75 of rank + 1: ranks 0..74 are one syllable, the next 75^2 two, and so on.
  std::string word;
  std::size_t n = rank + 1;
  while (n > 0) {
    const std::size_t digit = (n - 1) % kSyllables;
    word.insert(word.begin(), {kConsonants[digit / 5], kVowels[digit % 5]});
    n = (n - 1) / kSyllables;
  }
  return word;
}

ZipfSampler::ZipfSampler(std::size_t n, double s) : cdf_(n) {
  double total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    total += 1.0 / std::pow(static_cast<double>(r + 1), s);
    cdf_[r] = total;
  }
  for (double& c : cdf_) c /= total;
}

std::size_t ZipfSampler::operator()(std::mt19937_64& rng) const {
  const double u = uniform01(rng);
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  return std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), cdf_.size() - 1);
}

std::vector<std::string> generate_documents(const DocGenConfig& config) {
  std::mt19937_64 rng(config.seed);
  const ZipfSampler zipf(std::max<std::size_t>(config.vocabulary, 1), config.zipf_s);
  std::vector<std::string> words(std::max<std::size_t>(config.vocabulary, 1));
  for (std::size_t r = 0; r < words.size(); ++r) words[r] = vocabulary_word(r);
  const double mu = std::log(static_cast<double>(std::max<std::size_t>(config.median_words, 1)));
  const double max_len = 20.0 * static_cast<double>(std::max<std::size_t>(config.median_words, 1));

  std::vector<std::string> docs;
  docs.reserve(config.docs);
  for (std::size_t d = 0; d < config.docs; ++d) {
    const double len = std::exp(mu + config.length_sigma * standard_normal(rng));
    const auto n = static_cast<std::size_t>(std::clamp(std::round(len), 1.0, max_len));
    std::string line = std::to_string(d + 1) + '\t';
    bool sentence_start = true;
    for (std::size_t i = 0; i < n; ++i) {
      std::string w = words[zipf(rng)];
      if (sentence_start) w[0] = static_cast<char>(w[0] - 'a' + 'A');
      line += w;
      sentence_start = rng() % 12 == 0;  // sentences of about a dozen words
      line += sentence_start ? ". " : " ";
    }
    docs.push_back(std::move(line));
  }
  return docs;
}

}  // namespace flamestream::replay
