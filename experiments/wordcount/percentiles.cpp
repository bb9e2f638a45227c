#include "experiments/wordcount/percentiles.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wordcount_bench {

Percentiles percentiles(std::vector<std::int64_t> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())) - 1));
    return static_cast<double>(v[k]) / 1e6;
  };
  p.p50 = at(0.5);
  p.p90 = at(0.9);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(v.back()) / 1e6;
  return p;
}

std::string json(const Percentiles& p) {
  if (p.n == 0) return "null";
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"n\": %zu, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}",
                p.n, p.p50, p.p90, p.p99, p.p999, p.max);
  return buf;
}

}  // namespace wordcount_bench
