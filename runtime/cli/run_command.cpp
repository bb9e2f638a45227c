#include "runtime/cli/run_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "front/source.h"
#include "graphs/catalog.h"
#include "model/errors.h"
#include "model/reference_executor.h"
#include "runtime/cli/options.h"
#include "runtime/cli/output_file.h"
#include "runtime/cli/progress.h"
#include "runtime/engine/embedded_engine.h"
#include "runtime/jobs/job_library.h"
#include "runtime/simulator.h"
#include "runtime/worker_graph.h"

namespace flamestream {

namespace {

std::size_t default_workers() { return std::max(1u, std::thread::hardware_concurrency()); }

// Pulls lines from the source and parses them with the job; a bad line ends the input and is kept
// to be reported once everything accepted before it has been released.
class InputFeed {
 public:
  InputFeed(Source& source, const Job& job) : source_(source), job_(job) {}

  std::optional<Value> next() {
    if (error_) return std::nullopt;
    std::optional<Line> line;
    try {
      line = source_.next();  // a line over the limit, or a failed read, ends the input too
    } catch (const InputError& e) {
      error_ = e.what();
      return std::nullopt;
    }
    if (!line) return std::nullopt;
    try {
      return job_.parse(line->text);
    } catch (const InputError& e) {
      error_ = "input line " + std::to_string(line->number) + ": " + e.what();
      return std::nullopt;
    }
  }
  const std::optional<std::string>& error() const { return error_; }

 private:
  Source& source_;
  const Job& job_;
  std::optional<std::string> error_;
};

Params parse_params(const std::vector<std::string>& given) {
  Params params;
  for (const std::string& kv : given) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--param needs KEY=VALUE, got '" + kv + "'");
    params[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return params;
}

void write_stats(const std::string& path, const RunStats& stats) {
  std::ofstream out(path);
  out << stats.to_json();
  if (!out) throw std::runtime_error("cannot write stats to '" + path + "'");
}

}  // namespace

std::string run_usage() {
  std::string s =
      "usage: flamestream run [--job LIB.so]... GRAPH [options]\n"
      "\n"
      "Runs a job from the catalog, or from a job library (--job), over its input and prints\n"
      "every item its sink releases, one\n"      "line each, in global-time order. The output depends only on the input: never on the\n"
      "engine, the worker count, the seed or the jitter.\n"
      "\n"
      "options:\n"
      "  --input PATH|-      input lines (default: - for stdin)\n"
      "  --output PATH|-     where released lines go (default: - for stdout)\n"
      "  --max-line-mib N    the longest input line taken, in MiB (default 64, at most\n"
      "                      1024); a longer one ends the input: exit 2 naming its number,\n"
      "                      every line before it processed and its output written. A\n"
      "                      line's state stays until all of it is done (its words share\n"
      "                      one time): word count holds ~260 bytes for each byte of it\n"
      "  --workers N         workers, each hosting the whole graph (default: cores, " +
      std::to_string(default_workers()) +
      ")\n"
      "  --fronts N          embedded: front instances, on the first N workers (default 1;\n"
      "                      0: one on every worker). The input is dealt out over them line by\n"
      "                      line and keeps its order; a sink instance runs on every worker\n"
      "                      and their releases are merged into that order\n"
      "  --engine ENGINE     embedded (default): worker threads over ZeroMQ inproc://;\n"
      "                      sim: the deterministic simulator of the full protocol;\n"
      "                      reference: the single-threaded in-order oracle\n"
      "  --batch-us U        embedded: send a page after U microseconds at most (default: 100)\n"
      "  --ack-flush-us U    how often a worker sends its aggregated acker delta\n"
      "                      (default: 1000 embedded, 10 sim)\n"
      "  --seed S            sim: seed of the jitter and acker ids (default: 1)\n"
      "  --jitter-us U       sim: random extra delay per message, 0..U microseconds (default: 0)\n"
      "  --param K=V         a job parameter (repeatable)\n"
      "  --job LIB.so        load a job library first (repeatable); GRAPH may be one of its\n"
      "                      graphs. With --help: list the library's graphs and params\n"
      "  --stats PATH        write run counters as JSON\n"
      "  --progress          a progress line on stderr once a second (lines, words, their\n"
      "                      rates, time elapsed; for a file the share read and the time\n"
      "                      left), also when stderr is no terminal (then a line a report\n"
      "                      and a last one for the whole input). The default: on when\n"
      "                      stderr is a terminal. stdout is the same either way\n"
      "  --quiet             no progress line\n"
      "  --help              this text\n"
      "\n"
      "graphs:\n";
  for (const GraphSpec& g : graph_catalog()) {
    s += "  " + g.name + std::string(g.name.size() < 18 ? 18 - g.name.size() : 1, ' ') + g.summary + "\n";
    for (const ParamSpec& p : g.params)
      s += "      --param " + p.name + "=N   " + p.help + " (default " + p.default_value + ")\n";
  }
  s += "\nexit status: 0 done; 2 bad usage or input (lines released before a bad input line stay\n"
       "written); 1 internal or I/O error.\n";
  return s;
}

int run_command(const std::vector<std::string>& args) {
  const Options opts(args,
                     {"input", "output", "workers", "engine", "seed", "jitter-us", "ack-flush-us",
                      "batch-us", "param", "stats", "fronts", "job", "max-line-mib"},
                     {"help", "progress", "quiet"});
  std::vector<LoadedJob> libraries;
  for (const std::string& path : opts.all("job")) libraries.push_back(load_job_library(path));
  if (opts.flag("help") && !libraries.empty()) {
    for (const LoadedJob& job : libraries) std::cout << describe_job_library(job);
    return 0;
  }
  if (opts.flag("help")) {
    std::cout << run_usage();
    return 0;
  }
  if (opts.positional().size() != 1)
    throw UsageError("run needs exactly one GRAPH (see flamestream run --help)");
  const Job job = make_job(opts.positional()[0], parse_params(opts.all("param")));
  const std::string engine = opts.value("engine", "embedded");
  if (engine != "embedded" && engine != "sim" && engine != "reference")
    throw UsageError("unknown engine '" + engine + "' (valid: embedded, sim, reference)");
  const std::size_t workers = opts.unsigned_value("workers", default_workers());
  if (workers == 0 || workers > 1024) throw UsageError("--workers must be between 1 and 1024");

  const std::size_t max_line = opts.max_line_bytes();
  const std::string input = opts.value("input", "-");
  std::unique_ptr<Source> source = std::make_unique<ProgressSource>(open_source(input, max_line), progress_mode(opts),
                                                                    input_size(input), "flamestream run");
  OutputFile output(opts.value("output", "-"));
  InputFeed feed(*source, job);
  std::string line;
  auto emit = [&](NodeId, const Item& item) {
    line.clear();
    job.format(item.payload, line);
    line += '\n';
    output.write(line);
  };

  RunStats stats;
  if (engine == "embedded") {
    EmbeddedOptions embedded;
    embedded.workers = workers;
    embedded.front_instances = opts.unsigned_value("fronts", 1);
    embedded.engine.batch_timeout = std::chrono::microseconds(opts.unsigned_value("batch-us", 100));
    embedded.engine.ack_flush = std::chrono::microseconds(opts.unsigned_value("ack-flush-us", 1000));
    embedded.engine.max_line_bytes = max_line;
    // What each advance of the minimal time released goes out at once: a live input's counts
    // appear as its lines come, not when 64 KiB of output have gathered or the input ends.
    embedded.on_min_time = [&](Timestamp) { output.publish(); };
    // Lines are formatted on the workers' threads; the merging thread only writes them.
    embedded.release_text = [&](std::string_view lines) { output.write(lines); };
    try {
      stats = run_embedded(job, embedded, *source, emit);
    } catch (const InputError& e) {
      output.close();
      std::cerr << "flamestream: " << e.what() << "\n";
      return 2;
    } catch (const JobFunctionError& e) {  // the job's own fault, not the input's: exit 1
      output.close();
      std::cerr << "flamestream run: graph '" << opts.positional()[0] << "': " << e.what() << "\n";
      return 1;
    }
  } else if (engine == "sim") {
    SimConfig config;
    config.workers = workers;
    config.seed = opts.unsigned_value("seed", 1);
    config.jitter_ns = opts.unsigned_value("jitter-us", 0) * 1000;
    config.ack_flush_ns = opts.unsigned_value("ack-flush-us", 10) * 1000;
    stats = simulate(job.graph, config, [&](NodeId) { return feed.next(); }, emit);
  } else {
    ReferenceExecutor reference(job.graph, emit);
    while (std::optional<Value> v = feed.next()) {
      reference.push(job.graph.fronts()[0], std::move(*v));
      ++stats.items_in;
    }
  }
  output.close();
  if (opts.has("stats")) write_stats(opts.value("stats", ""), stats);
  if (feed.error()) {
    std::cerr << "flamestream: " << *feed.error() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace flamestream
