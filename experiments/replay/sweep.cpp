// The replay sweep's configuration: the keys of a point, config files of grids, their expansion into
// points, and a point's repro string (sweep.h). Runs are in sweep_runner.cpp, reports in
// sweep_report.cpp.
#include "experiments/replay/sweep.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <istream>
#include <set>
#include <sstream>

namespace flamestream::replay {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

template <class T>
T parse_number(const std::string& key, const std::string& text) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    throw ConfigError("key '" + key + "': '" + text + "' is not a number");
  return value;
}

double non_negative(const std::string& key, const std::string& text) {
  const double v = parse_number<double>(key, text);
  if (!(v >= 0) || !std::isfinite(v)) throw ConfigError("key '" + key + "' must be >= 0, got '" + text + "'");
  return v;
}

std::size_t positive(const std::string& key, const std::string& text) {
  const auto v = parse_number<std::size_t>(key, text);
  if (v == 0) throw ConfigError("key '" + key + "' must be a positive integer, got '" + text + "'");
  return v;
}

Key text_key(std::string name, std::string help, std::string Point::*field,
             std::vector<std::string> allowed = {}) {
  return {name, std::move(help),
          [name, field, allowed](Point& p, const std::string& v) {
            if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
              std::string list;
              for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
              throw ConfigError("key '" + name + "': '" + v + "' is not one of " + list);
            }
            if (v.empty()) throw ConfigError("key '" + name + "' needs a value");
            p.*field = v;
          },
          [field](const Point& p) { return p.*field; }};
}

Key real_key(std::string name, std::string help, double Point::*field) {
  return {name, std::move(help),
          [name, field](Point& p, const std::string& v) { p.*field = non_negative(name, v); },
          [field](const Point& p) { return number_text(p.*field); }};
}

Key size_key(std::string name, std::string help, std::size_t Point::*field, bool zero_ok = false) {
  return {name, std::move(help),
          [name, field, zero_ok](Point& p, const std::string& v) {
            p.*field = zero_ok ? parse_number<std::size_t>(name, v) : positive(name, v);
          },
          [field](const Point& p) { return std::to_string(p.*field); }};
}

Key flag_key(std::string name, std::string help, bool Point::*field) {
  return {name, std::move(help),
          [name, field](Point& p, const std::string& v) {
            if (v != "0" && v != "1") throw ConfigError("key '" + name + "' must be 0 or 1, got '" + v + "'");
            p.*field = v == "1";
          },
          [field](const Point& p) { return std::string(p.*field ? "1" : "0"); }};
}

}  // namespace

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

const std::vector<Key>& point_keys() {
  static const std::vector<Key> keys = [] {
    std::vector<Key> k;
    k.push_back(text_key("graph", "a catalog graph (documents for inverted-index and wordcount, integers otherwise)",
                         &Point::graph));
    k.push_back(text_key("engine", "sim (the deterministic simulator) or threaded (worker threads over ZeroMQ inproc)",
                         &Point::engine, {"sim", "threaded"}));
    k.push_back(size_key("workers", "workers (simulated, or threads)", &Point::workers));
    k.push_back(real_key("rate", "offered inputs per second (sim: virtual time; threaded: wall time, 0 = unpaced)",
                         &Point::rate));
    k.push_back(text_key("arrival", "periodic (an input every 1/rate) or poisson (exponential gaps of mean 1/rate, seeded)",
                         &Point::arrival, {"periodic", "poisson"}));
    k.push_back(real_key("jitter_us", "sim: every message waits latency + uniform[0, jitter] (channels stay FIFO)",
                         &Point::jitter_us));
    k.push_back(real_key("latency_us", "sim: base delay of every message", &Point::latency_us));
    k.push_back(size_key("window", "the graph's window param, where it has one (0 = its default)", &Point::window, true));
    k.push_back({"seed", "input, jitter and ack-id seed",
                 [](Point& p, const std::string& v) { p.seed = parse_number<std::uint64_t>("seed", v); },
                 [](const Point& p) { return std::to_string(p.seed); }});
    k.push_back(size_key("docs", "inputs per run", &Point::docs));
    k.push_back(size_key("doc_words", "median document length in words", &Point::doc_words));
    k.push_back(real_key("length_sigma", "log-normal sigma of document lengths", &Point::length_sigma));
    k.push_back(size_key("vocabulary", "distinct words of the Zipf vocabulary", &Point::vocabulary));
    k.push_back(real_key("zipf_s", "Zipf exponent of word frequencies", &Point::zipf_s));
    k.push_back(flag_key("scatter",
                         "1 routes stateless hops by payload hash (documents spread over workers, every hop may cross), "
                         "0 keeps them on the worker that produced the item",
                         &Point::scatter));
    k.push_back(flag_key("depth_first",
                         "1 a worker runs outputs for itself at once, depth first (the default); "
                         "0 they queue behind other messages like remote ones",
                         &Point::depth_first));
    k.push_back(real_key("ack_flush_us", "a worker sends its aggregated acker delta this often", &Point::ack_flush_us));
    k.push_back(size_key("ack_flush_deltas", "... or once it holds this many deltas", &Point::ack_flush_deltas));
    k.push_back(real_key("batch_us", "threaded: a page of items waits at most this long to fill", &Point::batch_us));
    k.push_back(real_key("heartbeat_us", "sim, document graphs: the front takes an empty document this often (0 = never)",
                         &Point::heartbeat_us));
    return k;
  }();
  return keys;
}

std::string config_help() {
  std::string h =
      "A sweep config is a text file of grids. A line '[name]' starts a grid; below it, lines\n"
      "'key = v1, v2, ...' give each key its list of values; '#' starts a comment. A grid runs the\n"
      "cartesian product of its lists; keys it does not name keep their defaults. Example:\n"
      "\n"
      "  [heatmap]\n"
      "  engine = sim\n"
      "  workers = 1, 2, 4\n"
      "  rate = 10, 20\n"
      "  jitter_us = 20000\n"
      "  seed = 1, 2, 3\n"
      "\n"
      "Keys (default in brackets):\n";
  const Point defaults;
  for (const Key& k : point_keys()) h += "  " + k.name + " [" + k.get(defaults) + "]: " + k.help + "\n";
  h +=
      "\n"
      "The simulator's front reports its promise to the acker only when it takes an input, and the\n"
      "harness reads the virtual clock only then; so, for the document graphs, it feeds an empty\n"
      "document every heartbeat_us of virtual time. These stand for the real engines' front\n"
      "heartbeats, give latencies a resolution of heartbeat_us, and are not counted in docs_in.\n";
  return h;
}

const char* quick_config() {
  return R"(# The quick sweep (replay_sweep --quick, and the replay tests): small points of every kind.
[quick-sim-grid]
engine = sim
scatter = 1
arrival = poisson
workers = 1, 3, 6
rate = 10, 24
jitter_us = 20000
docs = 40
doc_words = 60
seed = 1, 2

[quick-sim-jitter]
engine = sim
workers = 4
rate = 24
jitter_us = 0, 5000, 50000
scatter = 0, 1
docs = 40
doc_words = 60
seed = 3

[quick-sim-queued-local]
engine = sim
depth_first = 0
workers = 1, 4
rate = 24
jitter_us = 20000
docs = 40
doc_words = 60
seed = 4

[quick-sim-other-graphs]
engine = sim
graph = wordcount, paper-grouping, chained-groupings, replay-filter
scatter = 1
workers = 3
rate = 1000
jitter_us = 2000
docs = 60
doc_words = 20
seed = 5

[quick-sim-window]
engine = sim
graph = paper-grouping
window = 2, 5
scatter = 1
workers = 2
rate = 1000
jitter_us = 3000
docs = 60
seed = 6

[quick-threaded]
engine = threaded
workers = 1, 3
scatter = 0, 1
rate = 400, 0
docs = 40
doc_words = 60
seed = 7
)";
}

std::vector<Grid> parse_config(std::istream& in, const std::string& source_name) {
  std::vector<Grid> grids;
  std::set<std::string> names;
  std::string line;
  int number = 0;
  const auto fail = [&](const std::string& what) {
    throw ConfigError(source_name + ":" + std::to_string(number) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const std::string text = trim(line);
    if (text.empty()) continue;
    if (text.front() == '[') {
      if (text.back() != ']' || text.size() < 3) fail("expected '[name]', got '" + text + "'");
      Grid g{trim(std::string_view(text).substr(1, text.size() - 2)), {}};
      if (!names.insert(g.name).second) fail("grid '" + g.name + "' appears twice");
      grids.push_back(std::move(g));
      continue;
    }
    const auto eq = text.find('=');
    if (eq == std::string::npos) fail("expected 'key = v1, v2, ...' or '[name]', got '" + text + "'");
    if (grids.empty()) fail("a key before the first '[name]'");
    const std::string key = trim(std::string_view(text).substr(0, eq));
    const auto& keys = point_keys();
    const auto k = std::find_if(keys.begin(), keys.end(), [&](const Key& x) { return x.name == key; });
    if (k == keys.end() || key == "grid") {
      std::string valid;
      for (const Key& x : keys) valid += (valid.empty() ? "" : ", ") + x.name;
      fail("unknown key '" + key + "' (valid: " + valid + ")");
    }
    Grid& g = grids.back();
    for (const auto& [name, _] : g.values)
      if (name == key) fail("key '" + key + "' appears twice in grid '" + g.name + "'");
    std::vector<std::string> values;
    std::stringstream list(text.substr(eq + 1));
    std::string v;
    while (std::getline(list, v, ',')) {
      v = trim(v);
      Point probe;
      try {
        k->set(probe, v);  // validates the value now, with the line number at hand
      } catch (const ConfigError& e) {
        fail(e.what());
      }
      values.push_back(v);
    }
    if (values.empty()) fail("key '" + key + "' has no values");
    g.values.emplace_back(key, std::move(values));
  }
  if (grids.empty()) throw ConfigError(source_name + ": no grid (a '[name]' line and keys below it)");
  return grids;
}

std::vector<Point> expand(const std::vector<Grid>& grids) {
  std::vector<Point> points;
  for (const Grid& g : grids) {
    // Keys in point_keys() order, so rows come out grouped the same way in every grid; seed is the
    // innermost loop, which keeps the repeats of one setting together.
    std::vector<std::pair<const Key*, const std::vector<std::string>*>> axes;
    const Key* seed_key = nullptr;
    for (const Key& k : point_keys()) {
      if (k.name == "seed") seed_key = &k;
      for (const auto& [name, values] : g.values)
        if (name == k.name && name != "seed") axes.emplace_back(&k, &values);
    }
    for (const auto& [name, values] : g.values)
      if (name == "seed") axes.emplace_back(seed_key, &values);
    std::vector<std::size_t> index(axes.size(), 0);
    for (bool done = false; !done;) {
      Point p;
      p.grid = g.name;
      for (std::size_t a = 0; a < axes.size(); ++a) axes[a].first->set(p, (*axes[a].second)[index[a]]);
      points.push_back(p);
      // Odometer: the last axis turns fastest.
      for (std::size_t a = axes.size();; ) {
        if (a == 0) {
          done = true;
          break;
        }
        --a;
        if (++index[a] < axes[a].second->size()) break;
        index[a] = 0;
      }
    }
  }
  return points;
}

Point parse_point(const std::string& text) {
  Point p;
  std::istringstream in(text);
  std::string pair;
  while (in >> pair) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos) throw ConfigError("expected key=value, got '" + pair + "'");
    const std::string key = pair.substr(0, eq);
    if (key == "grid") {
      p.grid = pair.substr(eq + 1);
      continue;
    }
    const auto& keys = point_keys();
    const auto k = std::find_if(keys.begin(), keys.end(), [&](const Key& x) { return x.name == key; });
    if (k == keys.end()) throw ConfigError("unknown key '" + key + "'");
    k->set(p, pair.substr(eq + 1));
  }
  return p;
}

std::string repro(const Point& point) {
  const Point defaults;
  std::string s;
  for (const Key& k : point_keys()) {
    const std::string v = k.get(point);
    if (k.name == "graph" || k.name == "engine" || k.name == "seed" || v != k.get(defaults))
      s += (s.empty() ? "" : " ") + k.name + "=" + v;
  }
  return s;
}

}  // namespace flamestream::replay
