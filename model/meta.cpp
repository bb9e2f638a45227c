#include "model/meta.h"

#include <algorithm>

namespace flamestream {

bool invalidates(const Meta& newer, const Meta& older) {
  if (newer.time != older.time) return false;
  auto [o, n] = std::mismatch(older.trace.begin(), older.trace.end(), newer.trace.begin(),
                              newer.trace.end());
  if (o == older.trace.end() || n == newer.trace.end()) return false;  // equal, or a prefix
  return o->logical < n->logical;
}

std::string to_string(const Meta& meta) {
  std::string s = "(" + std::to_string(meta.time.ts) + "," + std::to_string(meta.time.front) + ")[";
  for (std::size_t i = 0; i < meta.trace.size(); ++i) {
    if (i) s += ' ';
    s += std::to_string(meta.trace[i].logical) + ":" + std::to_string(meta.trace[i].child);
  }
  return s + "]";
}

}  // namespace flamestream
