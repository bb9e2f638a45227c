// The replay sweep: runs a catalog graph on an engine over a grid of parameters and measures what
// optimistic grouping costs — the barrier ratio (items that reached the sink barrier / the valid
// ones among them), replays, tombstones, acker traffic, latency — while checking every run's
// released output against the in-order reference executor.
//
// A point is every parameter one run depends on; its row in the CSV records all of them, and
// `replay_sweep --point '<the row's repro column>'` runs it again. Simulator runs are deterministic:
// the same point gives the same row (wall_s aside) and the same output, bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/run_stats.h"

namespace flamestream::replay {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Point {
  std::string grid = "point";  // the config section it came from
  std::string graph = "inverted-index";
  std::string engine = "sim";  // sim | threaded
  std::size_t workers = 1;
  double rate = 20;            // offered inputs (documents) per second: virtual (sim) or wall-clock
  std::string arrival = "periodic";  // periodic (every 1/rate) or poisson (seeded exponential gaps)
  double jitter_us = 0;        // sim: every message is delayed by latency + uniform [0, jitter]
  double latency_us = 500;     // sim: base delay of every message
  std::size_t window = 0;      // the graph's "window" param where it has one; 0 = its default
  std::uint64_t seed = 1;      // of the input, of the simulator's jitter and ack ids
  std::size_t docs = 200;      // inputs per run
  std::size_t doc_words = 200;     // median document length (words)
  double length_sigma = 0.7;       // log-normal sigma of document lengths
  std::size_t vocabulary = 10'000;
  double zipf_s = 1.0;
  bool scatter = false;        // stateless hops go by payload hash, crossing workers (both engines)
  bool depth_first = true;     // a worker runs its own outputs at once (false: they queue)
  double ack_flush_us = 1'000; // how often a worker sends its aggregated acker delta
  std::size_t ack_flush_deltas = 64;  // ... or after this many deltas
  double batch_us = 100;       // threaded: a page waits at most this long to fill
  double heartbeat_us = 1'000; // sim, document graphs: an empty document every so often (see below)
};

// The keys of a point, in CSV column order: name, help, and how to read and write the value.
struct Key {
  std::string name;
  std::string help;
  std::function<void(Point&, const std::string&)> set;  // throws ConfigError on a bad value
  std::function<std::string(const Point&)> get;
};
const std::vector<Key>& point_keys();

// One grid of a config: its name and, per key, the list of values (missing keys keep defaults).
struct Grid {
  std::string name;
  std::vector<std::pair<std::string, std::vector<std::string>>> values;
};

// Parses a sweep config (format in config_help()); throws ConfigError naming the line.
std::vector<Grid> parse_config(std::istream& in, const std::string& source_name);
// Every point of the grids: the cartesian product of each grid's lists, in key order, seeds last.
std::vector<Point> expand(const std::vector<Grid>& grids);
// A point from "key=value key=value ..." (unlisted keys keep their defaults).
Point parse_point(const std::string& text);
// The point as "key=value ..." for every key that differs from the default, plus graph and engine.
std::string repro(const Point& point);

std::string config_help();
// A number as config values and cache keys write it (%.10g).
std::string number_text(double v);
// The built-in quick config: a few small points of every kind, for `--quick` and the tests.
const char* quick_config();

struct Result {
  Point point;
  RunStats stats;
  std::uint64_t docs_in = 0;     // real inputs (without the simulator's empty heartbeat documents)
  std::uint64_t heartbeats = 0;  // empty documents the simulator's front took as heartbeats
  double barrier_ratio = 1.0;    // reached_barrier / valid_at_barrier
  std::uint64_t pages = 0;       // threaded: item pages workers received (sim: in stats.messages)
  // Latency of released items: release time - the item's global time, in ms (empty when unknown).
  std::vector<double> latency_ms;
  // Threaded: at the sink's worker, wall time - minimal time at each advance of the minimal time.
  std::vector<double> min_time_lag_ms;
  std::uint64_t inorder_item_bytes = 0;  // every hop of the in-order execution, wire-encoded
  double wall_s = 0;
  std::uint64_t output_lines = 0;
  std::uint64_t output_hash = 0;  // FNV-1a of the released lines
  bool matches = false;           // released output == reference, line for line
  std::string mismatch;           // what differed, when it did
};

// Runs one point. The reference output and its byte count are cached per input across calls.
class Runner {
 public:
  Runner();
  ~Runner();
  Result run(const Point& point);

 private:
  struct Reference;
  const Reference& reference(const Point& point);
  std::map<std::string, std::unique_ptr<Reference>> cache_;
};

// When each input is offered, in seconds from the start: i / rate, or a seeded Poisson process.
std::vector<double> arrival_times(const Point& point, std::size_t n);

double percentile(std::vector<double> values, double p);  // nearest rank; NaN when empty

// CSV: one header, one row per result; every point key, then the metrics, then `repro`.
std::string csv_header();
std::string csv_row(const Result& r);
// Markdown: per grid, the points averaged over seeds, with the keys that vary as columns.
std::string markdown_summary(const std::vector<Result>& results);

}  // namespace flamestream::replay
