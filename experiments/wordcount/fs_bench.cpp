// The FlameStream side of the word-count benchmark (experiments/wordcount/bench runs it).
//
// Runs the catalog's `wordcount` job in the embedded engine (N worker threads, ZeroMQ inproc://),
// or streams into a running cluster (--engine cluster, cluster_client.h), over the first --count
// lines of --words (one word a line), offered open-loop at --rate words/s: word i is due at
// start + i/rate, and its latency is the wall time its updated count is released minus that due
// time, so time spent waiting to get in (client batching, back-pressure) counts.
// The released (word, count) pair names its input exactly (the count-th occurrence of the word),
// so the attribution does not rely on release order; release order is checked separately
// (release_check.h: it runs on the engine's sink thread, so it is kept cheap).
//
// Prints one JSON object on stdout (latency percentiles, throughput, checks, peak RSS) and writes
// the final per-word output table (word, last count, outputs) to --counts-out for the harness to
// compare with its reference counts. Progress goes to stderr once a second.
//
// Memory: peak_rss_mib is the process's ru_maxrss (getrusage) when the run ends, engine and
// harness together; harness_rss_mib is the resident size just before the engine starts, i.e. this
// driver's own tables (per input: its word id, occurrence number and position, release time and
// engine latency: about 28 bytes a word). peak_rss_mib − harness_rss_mib bounds what the engine added.
// Unbounded input (--rate far above what the engine sustains, --max-lag-s large) makes this a
// closed-loop run: the source is back-pressured and achieved_rate is the engine's throughput.
//
// The client sends about 1 ms of input per ingest batch (--ingest-batch; rate/1000 lines, 1 to
// 1024): `flamestream run`'s default of 1024 lines would hold a word up to 1024/rate before it
// reaches the front (0.5 s at 2000 words/s).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "experiments/wordcount/cluster_client.h"
#include "experiments/wordcount/percentiles.h"
#include "experiments/wordcount/release_check.h"
#include "graphs/catalog.h"
#include "runtime/engine/embedded_engine.h"

namespace fs = flamestream;
using wordcount_bench::Input;
using wordcount_bench::json;
using wordcount_bench::percentiles;
using wordcount_bench::ReleaseCheck;
using wordcount_bench::run_cluster;

namespace {

using SysClock = std::chrono::system_clock;

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SysClock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string words_path;
  std::string counts_out;
  std::uint64_t count = 0;
  double rate = 1000;
  std::size_t workers = 2;
  double warmup_s = 1.0;
  double max_lag_s = 3.0;
  std::size_t ingest_batch = 0;  // 0: about 1 ms of input, at least 1, at most 1024
  std::size_t fronts = 1;        // front instances, embedded (0: one on every worker)
  long batch_us = -1;
  long ack_flush_us = -1;
  std::string mode = "ordered";
  std::string engine = "embedded";  // or "cluster": a running cluster found through --zk
  std::string zk;
  double tail_poll_us = 200;
};

// Prints the usage: to stdout with exit 0 for --help, else to stderr after `why` with exit 2.
[[noreturn]] void usage(const std::string& why) {
  std::fprintf(why.empty() ? stdout : stderr,
               "%s%s"
               "usage: fs_bench --words FILE --count N --rate R [--workers N] [--warmup-s S]\n"
               "                [--max-lag-s S] [--ingest-batch LINES] [--fronts N] [--batch-us U]\n"
               "                [--ack-flush-us U] [--counts-out FILE] [--mode ordered|exactly-once]\n"
               "                [--engine embedded|cluster] [--zk HOST:PORT] [--tail-poll-us U]\n"
               "--engine cluster streams into the front 'in' and tails the sink 'out' of the latest\n"
               "tick of a running cluster (batch and ack knobs are then the workers' own); the\n"
               "cluster must run --insecure (no cluster key).\n",
               why.empty() ? "" : "fs_bench: ", why.empty() ? "" : (why + "\n").c_str());
  std::exit(why.empty() ? 0 : 2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--help") usage("");
      else if (a == "--words") o.words_path = value();
      else if (a == "--counts-out") o.counts_out = value();
      else if (a == "--count") o.count = std::stoull(value());
      else if (a == "--rate") o.rate = std::stod(value());
      else if (a == "--workers") o.workers = std::stoul(value());
      else if (a == "--warmup-s") o.warmup_s = std::stod(value());
      else if (a == "--max-lag-s") o.max_lag_s = std::stod(value());
      else if (a == "--ingest-batch") o.ingest_batch = std::stoul(value());
      else if (a == "--fronts") o.fronts = std::stoul(value());
      else if (a == "--batch-us") o.batch_us = std::stol(value());
      else if (a == "--ack-flush-us") o.ack_flush_us = std::stol(value());
      else if (a == "--mode") o.mode = value();
      else if (a == "--engine") o.engine = value();
      else if (a == "--zk") o.zk = value();
      else if (a == "--tail-poll-us") o.tail_poll_us = std::stod(value());
      else usage("unknown option " + a);
    } catch (const std::logic_error&) {
      usage("bad value for " + a);
    }
  }
  if (o.words_path.empty()) usage("--words is required");
  if (o.rate <= 0 || o.workers == 0) usage("--rate and --workers must be positive");
  if (o.engine != "embedded" && o.engine != "cluster") usage("--engine is embedded or cluster");
  if (o.engine == "cluster" && o.zk.empty()) usage("--engine cluster needs --zk HOST:PORT");
  // The cluster's tick decides whether it runs exactly-once; the mode only labels the figures.
  if (o.mode != "ordered" && !(o.mode == "exactly-once" && o.engine == "cluster"))
    usage("mode '" + o.mode + "' is not available (ordered; exactly-once with --engine cluster)");
  return o;
}

// The process's peak resident set size so far (getrusage's ru_maxrss, KiB on Linux), in MiB.
double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// The current resident set size (/proc/self/statm), in MiB; 0 where that file does not exist.
double current_rss_mib() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0.0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// Open-loop source: line i is due at start + i/rate. It sleeps until a line is due (lines already
// due go out at once, so at high rates they leave in small bursts), and gives up
// (ends the stream early, `truncated`) once it is more than max_lag behind its schedule: the
// system did not keep up and the rest of the schedule would only measure the queue.
class RateSource : public fs::Source {
 public:
  // `batch`: the ingest client sends lines `batch` at a time, so a batch leaves when its last word
  // is due whenever the others were handed over: the source sleeps until then at once. Waking for
  // every word instead (ten times a batch at 500 k words/s) preempted the workers ~5,000 times a
  // second and tripled the p99; each word's latency still counts from its own due time.
  RateSource(const Input& words, double rate, double max_lag_s, std::size_t batch)
      : words_(words), period_ns_(1e9 / rate), max_lag_ns_(static_cast<std::int64_t>(max_lag_s * 1e9)),
        batch_(batch) {}

  std::optional<fs::Line> next() override {
    const std::uint64_t i = offered_.load(std::memory_order_relaxed);
    if (i == words_.size() || truncated_) return std::nullopt;
    if (i == 0) start_ns_ = now_ns_ = wall_ns();
    const std::int64_t due = due_ns(i);
    // The clock is read again only when the last reading does not show this word due, or every
    // kClockEvery words: a source behind its schedule (every word due already) read it for every
    // word, on the cores the system under test runs on.
    if (now_ns_ < due || i % kClockEvery == 0) now_ns_ = wall_ns();
    // Sleep, never spin, until it is due (a spinning source would take one of the machine's cores
    // from the system under test); a sleep overshoots by tens of µs, and that lateness counts.
    const std::int64_t wake = due_ns(std::min<std::uint64_t>((i / batch_ + 1) * batch_, words_.size()) - 1);
    while (now_ns_ < due) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(wake - now_ns_));
      now_ns_ = wall_ns();
    }
    const std::int64_t lag = now_ns_ - due;
    max_lag_ns_seen_ = std::max(max_lag_ns_seen_, lag);
    if (lag > max_lag_ns_) {
      truncated_ = true;
      return std::nullopt;
    }
    offered_.store(i + 1, std::memory_order_relaxed);
    // The vocabulary is read at random: fetch a word's string (its text, for a short word) a few
    // words before it is copied.
    if (i + kAhead < words_.size()) __builtin_prefetch(&words_.vocab[words_.ids[i + kAhead]]);
    return fs::Line{i + 1, words_[i]};
  }

  // Always "ready", although next() sleeps until a word is due: the client is meant to send about
  // 1 ms of input a batch (README.md, fairness notes), not a batch at every sleep.
  bool ready() override { return true; }

  std::int64_t due_ns(std::uint64_t i) const {
    return start_ns_ + static_cast<std::int64_t>(std::llround(static_cast<double>(i) * period_ns_));
  }
  std::int64_t start_ns() const { return start_ns_; }
  std::uint64_t offered() const { return offered_.load(std::memory_order_relaxed); }
  bool truncated() const { return truncated_; }
  std::int64_t max_lag_ns() const { return max_lag_ns_seen_; }

 private:
  static constexpr std::uint64_t kClockEvery = 64;
  static constexpr std::uint64_t kAhead = 8;

  const Input& words_;
  double period_ns_;
  std::int64_t max_lag_ns_;
  std::uint64_t batch_;
  std::int64_t start_ns_ = 0;
  std::int64_t now_ns_ = 0;  // the last clock reading
  std::atomic<std::uint64_t> offered_{0};
  bool truncated_ = false;
  std::int64_t max_lag_ns_seen_ = 0;
};

int run(const Options& o) {
  const Input words = wordcount_bench::load_words(o.words_path, o.count);
  ReleaseCheck check(words);
  const std::size_t n = words.size();
  std::int64_t last_release_ns = 0;
  std::atomic<std::uint64_t> released{0};

  const fs::Job job = fs::make_job("wordcount");
  fs::EngineConfig config;
  if (o.batch_us >= 0) config.batch_timeout = std::chrono::microseconds(o.batch_us);
  if (o.ack_flush_us >= 0) config.ack_flush = std::chrono::microseconds(o.ack_flush_us);
  const std::size_t ingest_batch =
      o.ingest_batch ? o.ingest_batch
                     : std::clamp<std::size_t>(static_cast<std::size_t>(o.rate / 1000.0), 1, 1024);
  RateSource source(words, o.rate, o.max_lag_s, ingest_batch);

  // One released count; `stamp` is the front's ingestion time when the engine tells it, else -1.
  auto record = [&](std::string_view word, std::int64_t count, std::int64_t now, std::int64_t stamp) {
    last_release_ns = now;
    released.fetch_add(1, std::memory_order_relaxed);
    check.record(word, count, now, stamp);
  };
  auto release = [&](fs::NodeId, const fs::Item& item) {
    const std::int64_t now = wall_ns();
    const auto& t = item.payload.as_tuple();
    record(t.at(1).as_string(), t.at(2).as_int(), now, item.meta.time.ts);
  };

  std::atomic<bool> done{false};
  std::thread progress([&] {
    auto next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (std::chrono::steady_clock::now() < next) continue;
      next += std::chrono::seconds(1);
      const std::uint64_t off = source.offered();
      const double behind =
          off == 0 || off == n ? 0.0 : static_cast<double>(wall_ns() - source.due_ns(off)) / 1e6;
      std::fprintf(stderr, "    flamestream: offered %llu/%zu, released %llu, schedule lag %.0f ms\n",
                   static_cast<unsigned long long>(off), n,
                   static_cast<unsigned long long>(released.load()), std::max(0.0, behind));
    }
  });
  fs::RunStats stats;
  std::string error;
  std::size_t workers = o.workers;
  const double harness_rss = current_rss_mib();
  try {
    if (o.engine == "embedded") {
      fs::EmbeddedOptions options;
      options.workers = o.workers;
      options.engine = config;
      options.ingest_batch_lines = ingest_batch;
      options.front_instances = o.fronts;
      stats = fs::run_embedded(job, options, source, release);
    } else {
      workers = run_cluster(o.zk, o.tail_poll_us, ingest_batch, source, [&](const std::vector<std::string>& lines) {
        const std::int64_t now = wall_ns();
        for (const std::string_view line : lines) {
          const auto tab = line.find('\t');
          if (tab == std::string_view::npos) {
            check.record_malformed();
            continue;
          }
          std::int64_t count = line.size() > tab + 1 ? 0 : -1;
          for (char c : line.substr(tab + 1)) {
            if (c < '0' || c > '9' || count < 0) {
              count = -1;
              break;
            }
            count = count * 10 + (c - '0');
          }
          record(line.substr(0, tab), count, now, -1);
        }
      });
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  // Before the percentiles below copy and sort the latency vectors: the peak of the run itself.
  const double run_peak_rss = peak_rss_mib();
  done = true;
  progress.join();

  const std::uint64_t offered = source.offered();
  const std::uint64_t warm = std::min<std::uint64_t>(offered, static_cast<std::uint64_t>(o.warmup_s * o.rate));
  std::vector<std::int64_t> lat, eng, front, late;
  std::uint64_t missing = 0, bad_outputs = check.bad_outputs();
  const std::uint64_t late_from = offered - offered / 5;  // the last fifth: a growing backlog shows there
  for (std::uint64_t i = 0; i < offered; ++i) {
    if (check.released_at(i) == 0) {
      ++missing;
      continue;
    }
    const std::int64_t latency = check.released_at(i) - source.due_ns(i);
    if (i >= warm) {
      lat.push_back(latency);
      if (check.engine_latency(i) >= 0) {
        eng.push_back(check.engine_latency(i));
        front.push_back(latency - check.engine_latency(i));  // due -> the front's stamp
      }
    }
    if (i >= late_from) late.push_back(latency);
  }
  for (std::uint64_t i = offered; i < n; ++i)
    if (check.released_at(i) != 0) ++bad_outputs;  // released but never offered: impossible unless wrong

  if (!o.counts_out.empty()) {
    std::ofstream out(o.counts_out);
    check.write_counts(out);
    if (!out) throw std::runtime_error("cannot write " + o.counts_out);
  }
  const double span_s =
      offered && last_release_ns ? static_cast<double>(last_release_ns - source.start_ns()) / 1e9 : 0.0;
  const double drain_ms =
      offered && last_release_ns ? static_cast<double>(last_release_ns - source.due_ns(offered - 1)) / 1e6 : 0.0;
  std::string escaped;
  for (char c : error) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += (c == '\n' ? ' ' : c);
  }
  std::printf(
      "{\"system\": \"flamestream-%s\", \"mode\": \"%s\", \"rate\": %.1f, \"workers\": %zu,\n"
      " \"ingest_batch\": %zu, \"batch_us\": %lld, \"ack_flush_us\": %lld,\n"
      " \"requested\": %zu, \"offered\": %llu, \"released\": %llu, \"truncated\": %s,\n"
      " \"max_schedule_lag_ms\": %.3f, \"span_s\": %.3f, \"drain_ms\": %.3f,\n"
      " \"achieved_rate\": %.1f, \"warmup_inputs\": %llu,\n"
      " \"latency_ms\": %s,\n \"late_latency_ms\": %s,\n \"engine_latency_ms\": %s,\n \"front_latency_ms\": %s,\n"
      " \"bad_outputs\": %llu, \"duplicates\": %llu, \"missing\": %llu,\n"
      " \"sequence_violations\": %llu, \"order_violations\": %llu,\n"
      " \"replays\": %llu, \"peak_sink_buffer\": %llu,\n"
      " \"peak_rss_mib\": %.1f, \"harness_rss_mib\": %.1f, \"error\": \"%s\"}\n",
      o.engine.c_str(), o.mode.c_str(), o.rate, workers, ingest_batch, static_cast<long long>(config.batch_timeout.count()),
      static_cast<long long>(config.ack_flush.count()), n, static_cast<unsigned long long>(offered),
      static_cast<unsigned long long>(released.load()), source.truncated() ? "true" : "false",
      static_cast<double>(source.max_lag_ns()) / 1e6, span_s, drain_ms,
      span_s > 0 ? static_cast<double>(offered) / span_s : 0.0, static_cast<unsigned long long>(warm),
      json(percentiles(lat)).c_str(), json(percentiles(late)).c_str(), json(percentiles(eng)).c_str(),
      json(percentiles(front)).c_str(),
      static_cast<unsigned long long>(bad_outputs), static_cast<unsigned long long>(check.duplicates()),
      static_cast<unsigned long long>(missing), static_cast<unsigned long long>(check.sequence_violations()),
      static_cast<unsigned long long>(check.order_violations()), static_cast<unsigned long long>(stats.replays),
      static_cast<unsigned long long>(stats.peak_sink_buffer), run_peak_rss, harness_rss,
      escaped.c_str());
  return error.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fs_bench: %s\n", e.what());
    return 1;
  }
}
