// The replay sweep's reports: one CSV row per run (every point key, the metrics, the repro
// string) and a markdown summary per grid, points averaged over seeds (sweep.h).
#include "experiments/replay/sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace flamestream::replay {

namespace {

const char* kMetricColumns[] = {
    "docs_in", "heartbeats", "items_released", "reached_barrier", "valid_at_barrier", "barrier_ratio",
    "replays", "tombstones", "acker_deltas", "messages", "pages", "peak_sink_buffer",
    "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_max_ms", "min_time_lag_p50_ms",
    "min_time_lag_p99_ms", "inorder_item_bytes", "wire_bytes", "virtual_s", "wall_s", "output_lines", "output_hash",
    "matches"};

std::string fixed(double v, int digits) {
  if (std::isnan(v)) return "";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::string csv_header() {
  std::string h = "grid";
  for (const Key& k : point_keys()) h += "," + k.name;
  for (const char* m : kMetricColumns) h += std::string(",") + m;
  return h + ",repro";
}

std::string csv_row(const Result& r) {
  std::string row = csv_quote(r.point.grid);
  for (const Key& k : point_keys()) row += "," + csv_quote(k.get(r.point));
  const RunStats& s = r.stats;
  const bool sim = r.point.engine == "sim";
  const std::vector<std::string> metrics = {
      std::to_string(r.docs_in), std::to_string(r.heartbeats), std::to_string(s.items_released),
      std::to_string(s.reached_barrier), std::to_string(s.valid_at_barrier), fixed(r.barrier_ratio, 6),
      std::to_string(s.replays), std::to_string(s.tombstones), std::to_string(s.acker_deltas),
      sim ? std::to_string(s.messages) : "", sim ? "" : std::to_string(r.pages),
      std::to_string(s.peak_sink_buffer), fixed(percentile(r.latency_ms, 50), 3),
      fixed(percentile(r.latency_ms, 90), 3), fixed(percentile(r.latency_ms, 99), 3),
      fixed(percentile(r.latency_ms, 100), 3), fixed(percentile(r.min_time_lag_ms, 50), 3),
      fixed(percentile(r.min_time_lag_ms, 99), 3), std::to_string(r.inorder_item_bytes),
      sim ? "" : std::to_string(r.stats.bytes_sent),
      sim ? fixed(s.virtual_ms / 1e3, 6) : "", fixed(r.wall_s, 3), std::to_string(r.output_lines),
      [&] {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(r.output_hash));
        return std::string(buf);
      }(),
      r.matches ? "1" : "0"};
  for (const auto& m : metrics) row += "," + m;
  return row + "," + csv_quote(repro(r.point));
}

std::string markdown_summary(const std::vector<Result>& results) {
  std::string md;
  std::vector<std::string> grids;
  for (const Result& r : results)
    if (std::find(grids.begin(), grids.end(), r.point.grid) == grids.end()) grids.push_back(r.point.grid);
  std::size_t mismatches = 0;
  for (const Result& r : results) mismatches += r.matches ? 0 : 1;
  md += "Runs: " + std::to_string(results.size()) + "; released output equal to the reference in " +
        std::to_string(results.size() - mismatches) + " of them" +
        (mismatches ? " — **" + std::to_string(mismatches) + " MISMATCHES**" : "") + ".\n";
  for (const std::string& grid : grids) {
    std::vector<const Result*> rs;
    for (const Result& r : results)
      if (r.point.grid == grid) rs.push_back(&r);
    // Keys that vary within the grid (seed aside) become columns; the others go in the heading.
    std::vector<const Key*> varying, fixed_keys;
    for (const Key& k : point_keys()) {
      if (k.name == "seed") continue;
      std::set<std::string> vs;
      for (const Result* r : rs) vs.insert(k.get(r->point));
      (vs.size() > 1 ? varying : fixed_keys).push_back(&k);
    }
    std::set<std::string> seeds;
    for (const Result* r : rs) seeds.insert(std::to_string(r->point.seed));
    md += "\n## " + grid + "\n\n";
    std::string fixed_text;
    for (const Key* k : fixed_keys) {
      const std::string v = k->get(rs.front()->point);
      if (v != k->get(Point{}) || k->name == "graph" || k->name == "engine")
        fixed_text += (fixed_text.empty() ? "" : ", ") + k->name + " = " + v;
    }
    std::string seed_list;
    for (const auto& s : seeds) seed_list += (seed_list.empty() ? "" : " ") + s;
    md += fixed_text + "; seeds: " + seed_list + " (each row: mean over seeds, ratio range in brackets).\n\n";
    md += "|";
    for (const Key* k : varying) md += " " + k->name + " |";
    md += " barrier ratio | replays | tombstones | acker deltas | latency p50 / p99 ms | min-time lag p50 ms | matches |\n|";
    for (std::size_t i = 0; i < varying.size() + 7; ++i) md += "---|";
    md += "\n";
    // Rows: groups of results that share every key but the seed, in first-appearance order.
    std::vector<std::vector<const Result*>> groups;
    for (const Result* r : rs) {
      bool placed = false;
      for (auto& g : groups) {
        bool same = true;
        for (const Key* k : varying) same = same && k->get(g.front()->point) == k->get(r->point);
        if (same) {
          g.push_back(r);
          placed = true;
          break;
        }
      }
      if (!placed) groups.push_back({r});
    }
    for (const auto& g : groups) {
      const auto mean = [&](auto f) {
        double sum = 0;
        std::size_t n = 0;
        for (const Result* r : g) {
          const double v = f(*r);
          if (!std::isnan(v)) sum += v, ++n;
        }
        return n ? sum / static_cast<double>(n) : std::nan("");
      };
      double lo = INFINITY, hi = -INFINITY;
      std::size_t ok = 0;
      for (const Result* r : g) {
        lo = std::min(lo, r->barrier_ratio);
        hi = std::max(hi, r->barrier_ratio);
        ok += r->matches;
      }
      md += "|";
      for (const Key* k : varying) md += " " + k->get(g.front()->point) + " |";
      md += " " + fixed(mean([](const Result& r) { return r.barrier_ratio; }), 4);
      if (g.size() > 1) md += " [" + fixed(lo, 3) + "–" + fixed(hi, 3) + "]";
      md += " | " + fixed(mean([](const Result& r) { return static_cast<double>(r.stats.replays); }), 1);
      md += " | " + fixed(mean([](const Result& r) { return static_cast<double>(r.stats.tombstones); }), 1);
      md += " | " + fixed(mean([](const Result& r) { return static_cast<double>(r.stats.acker_deltas); }), 0);
      const std::string p50 = fixed(mean([](const Result& r) { return percentile(r.latency_ms, 50); }), 2);
      const std::string p99 = fixed(mean([](const Result& r) { return percentile(r.latency_ms, 99); }), 2);
      md += " | " + (p50.empty() ? std::string("–") : p50 + " / " + p99);
      const std::string lag = fixed(mean([](const Result& r) { return percentile(r.min_time_lag_ms, 50); }), 2);
      md += " | " + (lag.empty() ? std::string("–") : lag);
      md += " | " + std::to_string(ok) + "/" + std::to_string(g.size()) + " |\n";
    }
  }
  return md;
}

}  // namespace flamestream::replay
