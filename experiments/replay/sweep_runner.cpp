// The replay sweep's runs: one point on the simulator or the threaded engine, its released output
// checked against the in-order reference executor (cached per input), its costs measured (sweep.h).
#include "experiments/replay/sweep.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
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

}  // namespace flamestream::replay
