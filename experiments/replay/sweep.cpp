#include "experiments/replay/sweep.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <istream>
#include <set>
#include <sstream>

#include "experiments/replay/docgen.h"
#include "experiments/replay/threaded.h"
#include "graphs/catalog.h"
#include "model/errors.h"
#include "model/reference_executor.h"
#include "runtime/simulator.h"
#include "runtime/wire/codec.h"

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

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
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

bool is_document_graph(const std::string& graph) {
  return graph == "inverted-index" || graph == "wordcount";
}

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return (h ^ '\n') * 0x100000001b3ULL;
}

const GraphSpec& spec_of(const std::string& graph) {
  for (const GraphSpec& s : graph_catalog())
    if (s.name == graph) return s;
  make_job(graph);  // throws GraphError listing the valid names
  on_internal_error("make_job accepted an unknown graph");
}

Params params_of(const Point& p) {
  Params params;
  if (p.window == 0) return params;
  const GraphSpec& spec = spec_of(p.graph);
  const bool has_window = std::any_of(spec.params.begin(), spec.params.end(),
                                      [](const ParamSpec& ps) { return ps.name == "window"; });
  if (!has_window)
    throw ConfigError("graph '" + p.graph + "' has no window param: leave window = 0 for it");
  params["window"] = std::to_string(p.window);
  return params;
}

// The input lines of a point: documents for the document graphs (word count gets their text),
// integers in [1, 40] for the integer graphs.
std::vector<std::string> input_lines(const Point& p) {
  if (is_document_graph(p.graph)) {
    std::vector<std::string> docs = generate_documents(
        DocGenConfig{p.seed, p.docs, p.doc_words, p.length_sigma, p.vocabulary, p.zipf_s});
    if (p.graph == "wordcount")
      for (auto& d : docs) d = d.substr(d.find('\t') + 1);
    return docs;
  }
  std::mt19937_64 rng(p.seed);
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < p.docs; ++i) lines.push_back(std::to_string(rng() % 40 + 1));
  return lines;
}

std::string input_key(const Point& p) {
  std::ostringstream k;
  k << p.graph << '|' << p.window << '|' << p.seed << '|' << p.docs;
  if (is_document_graph(p.graph))
    k << '|' << p.doc_words << '|' << number_text(p.length_sigma) << '|' << p.vocabulary << '|'
      << number_text(p.zipf_s);
  return k.str();
}

std::string first_difference(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  const std::size_t n = std::min(got.size(), want.size());
  for (std::size_t i = 0; i < n; ++i)
    if (got[i] != want[i])
      return "line " + std::to_string(i + 1) + ": got '" + got[i].substr(0, 80) + "', reference '" +
             want[i].substr(0, 80) + "'";
  return "released " + std::to_string(got.size()) + " lines, reference " + std::to_string(want.size());
}

}  // namespace

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

std::vector<double> arrival_times(const Point& point, std::size_t n) {
  std::vector<double> at(n);
  std::mt19937_64 rng(point.seed ^ 0xA5A5'5A5A'0F0F'F0F0ULL);
  double t = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (point.rate <= 0) {
      at[i] = 0;
    } else if (point.arrival == "poisson") {
      at[i] = t;
      t += -std::log(1.0 - uniform01(rng)) / point.rate;
    } else {
      at[i] = static_cast<double>(i) / point.rate;
    }
  }
  return at;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return values[std::min(i, values.size() - 1)];
}

// ---- running one point ----

struct Runner::Reference {
  std::vector<std::string> lines;
  std::vector<std::string> output;
  std::uint64_t item_bytes = 0;
};

Runner::Runner() = default;
Runner::~Runner() = default;

const Runner::Reference& Runner::reference(const Point& point) {
  const std::string key = input_key(point);
  if (auto it = cache_.find(key); it != cache_.end()) return *it->second;
  auto ref = std::make_unique<Reference>();
  ref->lines = input_lines(point);
  const Job job = make_job(point.graph, params_of(point));
  // The bytes of one envelope on the wire: a page of it, less the empty page's framing.
  const std::size_t empty_page = wire::encode({0, 0, wire::ItemBatch{}}).size();
  const auto envelope_bytes = [&](NodeId node, const Item& item) {
    wire::ItemBatch page;
    page.envelopes.push_back(Envelope{node, item, 0x9E3779B97F4A7C15ULL});
    return wire::encode({0, 0, std::move(page)}).size() - empty_page;
  };
  ReferenceExecutor exec(job.graph, [&](NodeId, const Item& item) {
    ref->output.emplace_back();
    job.format(item.payload, ref->output.back());
  });
  exec.set_observer([&](const Node& node, const Item&, const std::vector<Output>& out) {
    for (const Output& o : out) ref->item_bytes += envelope_bytes(node.outputs[o.port], o.item);
  });
  const NodeId front = job.graph.fronts()[0];
  Timestamp ts = 1;
  for (const std::string& line : ref->lines) {
    Value payload = job.parse(line);
    ref->item_bytes += envelope_bytes(job.graph.node(front).outputs[0],
                                      Item{payload, Meta{GlobalTime{ts++, front}, {}}, false});
    exec.push(front, std::move(payload));
  }
  return *cache_.emplace(key, std::move(ref)).first->second;
}

Result Runner::run(const Point& point) {
  if (point.engine == "sim" && is_document_graph(point.graph) && point.heartbeat_us > 0 &&
      point.rate > 0 && point.heartbeat_us > 1e6 / point.rate)
    throw ConfigError("heartbeat_us (" + number_text(point.heartbeat_us) +
                      ") must not exceed the input interval 1e6/rate (" + number_text(1e6 / point.rate) + ")");
  if (point.engine == "sim" && point.rate <= 0) throw ConfigError("the simulator needs rate > 0");
  if (point.engine == "sim" && point.arrival == "poisson" &&
      !(is_document_graph(point.graph) && point.heartbeat_us > 0))
    throw ConfigError("arrival = poisson in the simulator needs a document graph and heartbeat_us > 0");
  const Reference& ref = reference(point);
  const Job job = make_job(point.graph, params_of(point));
  Result r;
  r.point = point;
  r.inorder_item_bytes = ref.item_bytes;
  std::vector<std::string> output;
  const auto start = std::chrono::steady_clock::now();

  if (point.engine == "sim") {
    const bool heartbeats = is_document_graph(point.graph) && point.heartbeat_us > 0;
    const auto interval_ns = static_cast<Timestamp>(std::llround(1e9 / point.rate));
    std::vector<Timestamp> due;
    for (double t : arrival_times(point, ref.lines.size())) due.push_back(static_cast<Timestamp>(std::llround(t * 1e9)));
    const Timestamp tick_ns = heartbeats ? static_cast<Timestamp>(std::llround(point.heartbeat_us * 1e3)) : interval_ns;
    SimConfig c;
    c.workers = point.workers;
    c.seed = point.seed;
    c.latency_ns = static_cast<Timestamp>(std::llround(point.latency_us * 1e3));
    c.jitter_ns = static_cast<Timestamp>(std::llround(point.jitter_us * 1e3));
    c.input_interval_ns = std::max<Timestamp>(tick_ns, 1);
    c.ack_flush_ns = std::max<Timestamp>(static_cast<Timestamp>(std::llround(point.ack_flush_us * 1e3)), 1);
    c.ack_flush_deltas = point.ack_flush_deltas;
    c.scatter_forward = point.scatter;
    c.depth_first_local = point.depth_first;
    // The front takes an input at every tick k (virtual time k * tick): document i at the first
    // tick at or after its arrival time, an empty heartbeat document at the others, and heartbeats go
    // on until everything expected is released (or, should an engine lose output, for 60 s more).
    const Value heartbeat = heartbeats ? job.parse(point.graph == "wordcount" ? "" : "0\t") : Value();
    std::size_t next_doc = 0;
    std::uint64_t calls = 0;
    Timestamp last_call = 0, last_doc = 0;
    const Timestamp drain_limit = 60'000'000'000ULL;
    auto next_input = [&](NodeId) -> std::optional<Value> {
      const Timestamp now = calls++ * c.input_interval_ns;
      last_call = now;
      if (next_doc < ref.lines.size() &&
          (!heartbeats || now >= due[next_doc])) {
        last_doc = now;
        return job.parse(ref.lines[next_doc++]);
      }
      if (heartbeats && (next_doc < ref.lines.size() || output.size() < ref.output.size()) &&
          now - last_doc < drain_limit) {
        ++r.heartbeats;
        return heartbeat;
      }
      return std::nullopt;
    };
    auto release = [&](NodeId, const Item& item) {
      output.emplace_back();
      job.format(item.payload, output.back());
      // The release happens at a virtual time in [last_call, last_call + tick).
      if (heartbeats)
        r.latency_ms.push_back(
            (static_cast<double>(last_call) - static_cast<double>(item.meta.time.ts) + 0.5 * static_cast<double>(tick_ns)) / 1e6);
    };
    r.stats = simulate(job.graph, c, next_input, release);
  } else {
    EngineConfig config;
    config.batch_timeout = std::chrono::microseconds(std::llround(point.batch_us));
    config.ack_flush = std::chrono::microseconds(std::max<long long>(std::llround(point.ack_flush_us), 1));
    config.ack_flush_deltas = point.ack_flush_deltas;
    config.depth_first_local = point.depth_first;
    ThreadedRun t = run_threaded(job, point.workers, point.scatter, config, ref.lines,
                                 arrival_times(point, ref.lines.size()), [&](const Item& item) {
      output.emplace_back();
      job.format(item.payload, output.back());
    });
    r.stats = t.stats;
    r.pages = t.pages;
    r.latency_ms = std::move(t.latency_ms);
    r.min_time_lag_ms = std::move(t.min_time_lag_ms);
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.docs_in = r.stats.items_in - r.heartbeats;
  r.barrier_ratio = r.stats.valid_at_barrier == 0
                        ? 1.0
                        : static_cast<double>(r.stats.reached_barrier) / static_cast<double>(r.stats.valid_at_barrier);
  r.output_lines = output.size();
  r.output_hash = 0xcbf29ce484222325ULL;
  for (const auto& l : output) r.output_hash = fnv1a(r.output_hash, l);
  r.matches = output == ref.output && r.stats.items_released == ref.output.size() && r.docs_in == ref.lines.size();
  if (!r.matches)
    r.mismatch = output != ref.output ? first_difference(output, ref.output)
                                      : "counters disagree: released " + std::to_string(r.stats.items_released) +
                                            ", inputs " + std::to_string(r.docs_in);
  return r;
}

// ---- output ----

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
