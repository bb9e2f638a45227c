// The load and the measurement of the word-count benchmark through Kafka
// (experiments/wordcount/bench --kafka): it writes the words into the input topic and reads the
// counts from the output topic, whatever system runs in between (FlameStream's ingest/cluster/tail,
// or Flink with its Kafka connector), so both are measured by the same code.
//
//   kafka_load --brokers B --create TOPIC:PARTITIONS [--create ...]      # make topics, exit
//   kafka_load --brokers B --in TOPIC --out TOPIC --words FILE --count N --rate R ...
//
// Readiness: until a count of the probe word (not a word of the input: it has a digit) shows in
// the output topic, a probe record goes to the input topic every 250 ms; the measured input starts
// then, so start-up (a JVM, a MiniCluster, a cluster's first tick) is not measured.
// Input: word i is due at start + i/rate (open loop; --rate 1e9 offers all at once, a closed loop
// held back only by the producer's queue); each record has the word as key and value, and its
// timestamp (CreateTime, ms) is set to the wall time it is produced. The key keeps all occurrences
// of a word in one partition, in order, so the n-th count of a word names the n-th occurrence
// (release_check.h) whatever order the partitions are interleaved in.
// Output: a read_committed consumer of every partition of the output topic, from the start; a
// count's latency = the wall time the consumer got it − the input record's timestamp.
// Prints one JSON object on stdout (fs_bench's fields) and writes the per-word output table to
// --counts-out. It ends when every offered word's count was seen, or --drain-timeout-s after the
// last count arrived with some still missing (they are reported as missing).
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "experiments/wordcount/kafka_client.h"
#include "experiments/wordcount/percentiles.h"
#include "experiments/wordcount/release_check.h"

namespace wb = wordcount_bench;

namespace {

constexpr const char* kProbe = "probe0ready";

struct Options {
  std::string brokers, in, out, words_path, counts_out, system = "kafka";
  std::vector<std::string> create;
  std::uint64_t count = 0;
  double rate = 1000, warmup_s = 2, max_lag_s = 3, ready_timeout_s = 180, drain_timeout_s = 30;
  std::size_t workers = 0;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(why.empty() ? stdout : stderr,
               "%s%susage: kafka_load --brokers B --create TOPIC:PARTITIONS [--create ...]\n"
               "       kafka_load --brokers B --in TOPIC --out TOPIC --words FILE --count N --rate R\n"
               "                  [--warmup-s S] [--max-lag-s S] [--counts-out FILE] [--workers N]\n"
               "                  [--system LABEL] [--ready-timeout-s S] [--drain-timeout-s S]\n",
               why.empty() ? "" : "kafka_load: ", why.empty() ? "" : (why + "\n").c_str());
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
      else if (a == "--brokers") o.brokers = value();
      else if (a == "--create") o.create.push_back(value());
      else if (a == "--in") o.in = value();
      else if (a == "--out") o.out = value();
      else if (a == "--words") o.words_path = value();
      else if (a == "--counts-out") o.counts_out = value();
      else if (a == "--system") o.system = value();
      else if (a == "--count") o.count = std::stoull(value());
      else if (a == "--rate") o.rate = std::stod(value());
      else if (a == "--workers") o.workers = std::stoul(value());
      else if (a == "--warmup-s") o.warmup_s = std::stod(value());
      else if (a == "--max-lag-s") o.max_lag_s = std::stod(value());
      else if (a == "--ready-timeout-s") o.ready_timeout_s = std::stod(value());
      else if (a == "--drain-timeout-s") o.drain_timeout_s = std::stod(value());
      else usage("unknown option " + a);
    } catch (const std::logic_error&) {
      usage("bad value for " + a);
    }
  }
  if (o.brokers.empty()) usage("--brokers is required");
  if (o.create.empty() && (o.in.empty() || o.out.empty() || o.words_path.empty()))
    usage("--in, --out and --words are required (or --create)");
  if (o.rate <= 0) usage("--rate must be positive");
  return o;
}

// Everything the consumer thread found in the output topic. `check` and the probe fields are
// written by that thread only, and read by the main thread after it joined.
struct Output {
  explicit Output(const wb::Input& input) : check(input) {}
  wb::ReleaseCheck check;
  std::atomic<std::uint64_t> released{0};      // counts of input words
  std::atomic<std::uint64_t> probes_seen{0};   // counts of the probe word
  std::atomic<std::int64_t> last_release_ns{0};
  std::uint64_t last_probe_count = 0, probe_problems = 0;
};

// Reads the output topic until `stop`, attributing every count (read_committed).
void consume(wb::KafkaConsumer& consumer, Output& out, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    consumer.poll(100, [&](std::string_view line) {
      const std::int64_t now = wb::wall_ns();
      const auto tab = line.find('\t');
      std::int64_t count = -1;
      if (tab != std::string_view::npos && tab + 1 < line.size()) {
        count = 0;
        for (char c : line.substr(tab + 1)) {
          if (c < '0' || c > '9') { count = -1; break; }
          count = count * 10 + (c - '0');
        }
      }
      if (count < 0) return out.check.record_malformed();
      const std::string_view word = line.substr(0, tab);
      if (word == kProbe) {  // counts 1, 2, ... each once, or something is wrong
        if (static_cast<std::uint64_t>(count) != out.last_probe_count + 1) ++out.probe_problems;
        out.last_probe_count = static_cast<std::uint64_t>(count);
        out.probes_seen.fetch_add(1);
        return;
      }
      out.check.record(word, count, now, -1);
      out.last_release_ns.store(now);
      out.released.fetch_add(1);
    });
  }
}

struct Offered {
  std::uint64_t count = 0, probes = 0;
  std::int64_t start_ns = 0, end_ns = 0, max_lag_ns = 0, ready_ns = 0;
  bool truncated = false;
  std::vector<std::int64_t> stamp_ns;  // per word: its record's timestamp (ms precision), in ns
};

// Probes until the first probe count is seen, then offers the words on the schedule.
Offered produce(const Options& o, const wb::Input& words, wb::KafkaProducer& producer, Output& out) {
  Offered r;
  const std::int64_t t0 = wb::wall_ns();
  std::int64_t next_probe = t0;
  while (out.probes_seen.load() == 0) {
    const std::int64_t now = wb::wall_ns();
    if (now - t0 > static_cast<std::int64_t>(o.ready_timeout_s * 1e9))
      throw std::runtime_error("no count in topic " + o.out + " " + std::to_string(o.ready_timeout_s) +
                               " s after the first probe record: the system under test is not running");
    if (now >= next_probe) {
      producer.send(o.in, kProbe, now / 1'000'000);
      ++r.probes;
      next_probe = now + 250'000'000;
    }
    producer.serve(20);
  }
  r.ready_ns = wb::wall_ns() - t0;
  const std::size_t n = words.size();
  r.stamp_ns.assign(n, 0);
  const double period_ns = 1e9 / o.rate;
  const std::uint64_t batch = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(o.rate / 1000), 1, 1024);
  r.start_ns = wb::wall_ns();
  auto due = [&](std::uint64_t i) { return r.start_ns + static_cast<std::int64_t>(static_cast<double>(i) * period_ns); };
  for (std::uint64_t i = 0; i < n; ++i) {
    std::int64_t now = wb::wall_ns();
    // Sleep, never spin, until the last word of this millisecond's batch is due.
    if (now < due(i)) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(due(std::min<std::uint64_t>((i / batch + 1) * batch, n) - 1) - now));
      now = wb::wall_ns();
    }
    r.max_lag_ns = std::max(r.max_lag_ns, now - due(i));
    if (now - due(i) > static_cast<std::int64_t>(o.max_lag_s * 1e9)) {
      r.truncated = true;
      break;
    }
    const std::int64_t ms = now / 1'000'000;
    producer.send(o.in, words[i], ms);
    r.stamp_ns[i] = ms * 1'000'000;
    r.count = i + 1;
    if (i % 256 == 0) producer.serve(0);
  }
  r.end_ns = wb::wall_ns();
  producer.flush();
  return r;
}

// Waits until every offered word's count arrived, or the output stood still --drain-timeout-s.
void drain(const Options& o, const Offered& in, const Output& out) {
  std::uint64_t seen = out.released.load();
  auto moved = std::chrono::steady_clock::now();
  while (out.released.load() < in.count) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (out.released.load() != seen) {
      seen = out.released.load();
      moved = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - moved > std::chrono::duration<double>(o.drain_timeout_s)) {
      return;
    }
  }
}

int run(const Options& o) {
  if (!o.create.empty()) {
    for (const std::string& spec : o.create) wb::create_topic(o.brokers, spec);
    return 0;
  }
  const wb::Input words = wb::load_words(o.words_path, o.count);
  Output out(words);
  wb::KafkaConsumer consumer(o.brokers, o.out);
  wb::KafkaProducer producer(o.brokers);
  std::atomic<bool> stop{false};
  std::thread reader([&] { consume(consumer, out, stop); });
  std::thread progress([&] {
    while (!stop.load()) {
      for (int k = 0; k < 20 && !stop.load(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::fprintf(stderr, "    %s: produced %llu, counts seen %llu\n", o.system.c_str(),
                   static_cast<unsigned long long>(producer.sent()),
                   static_cast<unsigned long long>(out.released.load()));
    }
  });
  Offered in;
  std::string error;
  try {
    in = produce(o, words, producer, out);
    drain(o, in, out);
  } catch (const std::exception& e) {
    error = e.what();
  }
  stop = true;
  reader.join();
  progress.join();
  if (error.empty() && producer.failed() > 0)
    error = std::to_string(producer.failed()) + " records were not delivered to " + o.in;

  const std::uint64_t offered = in.count;
  const std::uint64_t warm = std::min<std::uint64_t>(offered, static_cast<std::uint64_t>(o.warmup_s * o.rate));
  const std::uint64_t late_from = offered - offered / 5;
  std::vector<std::int64_t> lat, late;
  std::uint64_t missing = 0, bad = out.check.bad_outputs() + out.probe_problems;
  for (std::uint64_t i = 0; i < offered; ++i) {
    if (out.check.released_at(i) == 0) {
      ++missing;
      continue;
    }
    const std::int64_t latency = out.check.released_at(i) - in.stamp_ns[i];
    if (i >= warm) lat.push_back(latency);
    if (i >= late_from) late.push_back(latency);
  }
  for (std::uint64_t i = offered; i < words.size(); ++i)
    if (out.check.released_at(i) != 0) ++bad;  // a count of a word never offered
  if (out.last_probe_count > in.probes) ++bad;
  if (!o.counts_out.empty()) {
    std::ofstream table(o.counts_out);
    out.check.write_counts(table);
    if (!table) throw std::runtime_error("cannot write " + o.counts_out);
  }
  const std::int64_t last = out.last_release_ns.load();
  const double span_s = offered && last ? static_cast<double>(last - in.start_ns) / 1e9 : 0.0;
  const double drain_ms = offered && last ? static_cast<double>(last - in.end_ns) / 1e6 : 0.0;
  std::string escaped;
  for (char c : error) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += (c == '\n' ? ' ' : c);
  }
  std::printf(
      "{\"system\": \"%s\", \"mode\": \"exactly-once\", \"rate\": %.1f, \"workers\": %zu,\n"
      " \"requested\": %zu, \"offered\": %llu, \"released\": %llu, \"truncated\": %s,\n"
      " \"max_schedule_lag_ms\": %.3f, \"span_s\": %.3f, \"drain_ms\": %.3f, \"produce_s\": %.3f,\n"
      " \"ready_s\": %.3f, \"probes\": %llu, \"achieved_rate\": %.1f, \"warmup_inputs\": %llu,\n"
      " \"latency_ms\": %s,\n \"late_latency_ms\": %s,\n"
      " \"bad_outputs\": %llu, \"duplicates\": %llu, \"missing\": %llu,\n"
      " \"sequence_violations\": %llu, \"order_violations\": %llu, \"error\": \"%s\"}\n",
      o.system.c_str(), o.rate, o.workers, words.size(), static_cast<unsigned long long>(offered),
      static_cast<unsigned long long>(out.released.load()), in.truncated ? "true" : "false",
      static_cast<double>(in.max_lag_ns) / 1e6, span_s, drain_ms,
      static_cast<double>(in.end_ns - in.start_ns) / 1e9, static_cast<double>(in.ready_ns) / 1e9,
      static_cast<unsigned long long>(in.probes), span_s > 0 ? static_cast<double>(offered) / span_s : 0.0,
      static_cast<unsigned long long>(warm), wb::json(wb::percentiles(lat)).c_str(),
      wb::json(wb::percentiles(late)).c_str(), static_cast<unsigned long long>(bad),
      static_cast<unsigned long long>(out.check.duplicates()), static_cast<unsigned long long>(missing),
      static_cast<unsigned long long>(out.check.sequence_violations()),
      static_cast<unsigned long long>(out.check.order_violations()), escaped.c_str());
  return error.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kafka_load: %s\n", e.what());
    return 1;
  }
}
