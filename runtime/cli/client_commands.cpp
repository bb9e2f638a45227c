#include "runtime/cli/client_commands.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <ctime>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "front/source.h"
#include "model/errors.h"
#include "runtime/cli/key_options.h"
#include "runtime/cli/options.h"
#include "runtime/cli/progress.h"
#include "runtime/cluster/cluster_state.h"
#include "runtime/cluster/commit_record.h"
#include "runtime/cluster/job_store.h"
#include "runtime/cluster/link_report.h"
#include "runtime/cluster/strict_json.h"
#include "runtime/cli/rescale.h"
#include "runtime/cli/tail_client.h"
#include "runtime/engine/ingest_client.h"
#include "runtime/kafka/kafka_config.h"
#include "runtime/kafka/kafka_source.h"
#include "runtime/kafka/kafka_topic_writer.h"
#include "runtime/wire/codec.h"

namespace flamestream {

namespace {

std::string read_all(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot open '" + path + "'");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

DeployedTick current_tick(ZkClient& zk) {
  auto tick = latest_tick(zk);
  if (!tick) throw UsageError("no tick has been submitted (see flamestream submit --help)");
  return *tick;
}

// The workers that host instances of `node` (a front or a sink) in `tick`, named "NODE" for every
// instance or "NODE@WORKER" for one: their names and registrations, in the tick's worker order.
std::vector<std::pair<std::string, Registration>> hosts_of(
    ZkClient& zk, const DeployedTick& tick, const std::string& named,
    const std::map<std::string, std::vector<std::string>>& hosts, const char* kind) {
  const auto at = named.find('@');
  const std::string node = named.substr(0, at);
  auto host = hosts.find(node);
  if (host == hosts.end()) {
    std::string valid;
    for (const auto& [n, w] : hosts) valid += (valid.empty() ? "" : ", ") + n;
    throw UsageError(tick.node + " has no " + kind + " '" + node + "' (valid: " + valid + ")");
  }
  std::vector<std::string> chosen = host->second;
  if (at != std::string::npos) {
    const std::string worker = named.substr(at + 1);
    if (std::count(chosen.begin(), chosen.end(), worker) == 0) {
      std::string valid;
      for (const auto& w : chosen) valid += (valid.empty() ? "" : ", ") + w;
      throw UsageError(std::string(kind) + " '" + node + "' has no instance on worker '" + worker +
                       "' (its workers: " + valid + ")");
    }
    chosen = {worker};
  }
  const auto workers = registered_workers(zk);
  std::vector<std::pair<std::string, Registration>> found;
  for (const std::string& name : chosen) {
    auto it = workers.find(name);
    if (it == workers.end())
      throw std::runtime_error(std::string(kind) + " '" + node + "' lives on worker '" + name +
                               "', which is not registered now");
    found.push_back(*it);
  }
  return found;
}

// Asks ZooKeeper whether `worker` runs as another process than `known` (it restarted); returns its
// new endpoint then. ZooKeeper being away answers "no": the caller keeps waiting.
std::optional<std::string> replaced(ZkClient& zk, const std::string& worker, Registration& known) {
  try {
    const auto workers = registered_workers(zk);
    auto it = workers.find(worker);
    if (it == workers.end() || it->second.incarnation == known.incarnation) return std::nullopt;
    known = it->second;
    return known.endpoint;
  } catch (const ZkError&) {
    return std::nullopt;
  }
}

// A front timestamp (nanoseconds since the epoch) as UTC wall time, with how far it lags now.
std::string format_ts(Timestamp t) {
  if (t == kInfinity) return "infinity (everything released)";
  const std::time_t secs = static_cast<std::time_t>(t / 1'000'000'000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &utc);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  const auto lag = now - static_cast<long long>(t / 1'000'000);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03llu", static_cast<unsigned long long>(t / 1'000'000 % 1000));
  return std::string(when) + ms + " UTC (" + std::to_string(lag) + " ms ago)";
}

void print_mapping(const DeployedTick& t) {
  std::cout << "    mapping:";
  std::uint64_t from = 0;
  for (const auto& r : t.spec.mapping) {
    std::cout << " " << t.spec.workers[r.worker] << " " << from << ".." << r.end - 1;
    from = r.end;
  }
  std::cout << "\n";
}

void print_commits(ZkClient& zk, const DeployedTick& t) {
  if (!t.spec.exactly_once) {
    std::cout << "    exactly-once: off\n";
    return;
  }
  const auto record = read_commit_record(zk, t);
  if (!t.spec.continues.empty()) {
    std::cout << "    continues " << t.spec.continues << " (live rescale): "
              << (record ? "switched at " + format_ts(record->started) : std::string("pending")) << "\n";
    if (record && !record->state_tick.empty())
      std::cout << "    committed state held by the workers of " << record->state_tick
                << " until this tick commits: keep them running\n";
    else if (record)
      std::cout << "    committed state held by this tick's workers: workers it left out may stop\n";
  }
  std::cout << "    exactly-once: on, commit every " << t.spec.tick_ms << " ms\n";
  if (!record || record->commits == 0) {
    std::cout << "    last committed tick: none yet\n";
  } else {
    std::cout << "    last committed tick: #" << record->commits << ", inputs before "
              << format_ts(record->committed) << "\n";
    for (const auto& [front, seq] : record->fronts)
      std::cout << "      front " << front << " replays from line " << seq << "\n";
  }
  std::cout << "    recoveries: " << (record ? record->epoch : 0) << "\n";
}

// The tick's text with "job": HASH set (a tick given one already is refused: submit fills it in).
std::string with_job_field(const std::string& text, const std::string& hash) {
  nlohmann::json doc;
  try {
    doc = parse_strict_json(text);
  } catch (const JsonError& e) {
    throw UsageError(std::string("tick is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw UsageError("tick must be a JSON object");
  if (doc.contains("job")) throw UsageError("tick field 'job': submit --job fills it in");
  doc["job"] = hash;
  return doc.dump();
}

// --broker-wait-s of the Kafka clients: how long to wait for a broker at start (0: for ever).
std::chrono::milliseconds broker_wait_option(const Options& opts) {
  const std::uint64_t seconds = opts.unsigned_value("broker-wait-s", 0);
  if (seconds > 1'000'000) throw UsageError("--broker-wait-s must be at most 1000000 (0 waits for ever)");
  return std::chrono::seconds(seconds);
}

// A Kafka front's partition count, asked of its broker when the tick does not give it: every
// worker then agrees on the front's instances. A missing topic or broker is said here, before
// anything is written.
void fill_in_partitions(TickSpec& spec) {
  for (auto& [node, k] : spec.kafka) {
    if (k.partitions > 0) continue;
    try {
      rd_kafka_s* handle = kafka_handle(RD_KAFKA_PRODUCER, kafka_config(k.brokers, {}));
      std::unique_ptr<rd_kafka_s, void (*)(rd_kafka_s*)> owned(handle, [](rd_kafka_s* h) { rd_kafka_destroy(h); });
      BrokerWait wait(std::chrono::seconds(10));
      k.partitions = static_cast<std::uint32_t>(topic_partitions(handle, k.brokers, k.topic, "flamestream submit", wait));
    } catch (const KafkaError& e) {
      throw UsageError("tick field 'kafka." + node + "': " + e.what());
    }
    if (k.partitions > 0x7fff) throw UsageError("tick field 'kafka." + node + "': more than 32767 partitions");
  }
}

}  // namespace

std::string submit_usage() {
  return "usage: flamestream submit --zk HOST:PORT [--job LIB.so] [--key-file FILE | --insecure] TICK.json|-\n"
         "\n"
         "Validates a tick and writes it to ZooKeeper; the workers it names deploy it. Prints the\n"
         "tick id. A tick is a JSON object:\n"
         "  graph        graph name (required): the catalog's, or one of --job's\n"
         "  params       {\"name\": \"value\"} job parameters\n"
         "  workers      worker names (default: every registered worker, sorted)\n"
         "  mapping      [{\"worker\", \"from\", \"to\"}] hash ranges, inclusive, covering\n"
         "               0..4294967295 without gap or overlap (default: an even split)\n"
         "  fronts       {\"front node\": \"worker\" | [\"worker\", ...] | \"*\"}: where its\n"
         "               instances run (default \"*\": one on every worker; ingest deals\n"
         "               its input out over them)\n"
         "  sinks        {\"sink node\": \"worker\" | [\"worker\", ...] | \"*\"} (default \"*\";\n"
         "               tail merges the instances' outputs into one order)\n"
         "  kafka        {\"front node\": {\"brokers\": \"HOST:PORT,...\", \"topic\": \"T\",\n"
         "               \"follow\": false, \"idle_ms\": 200, \"partitions\": N}}: the front reads\n"
         "               the topic inside the workers, partition p on the front's hosts[p % hosts],\n"
         "               each line stamped with its record's timestamp; exactly-once from the\n"
         "               offsets in the commit record. follow false: it ends where the partitions\n"
         "               ended when it first started. idle_ms: an idle partition promises the\n"
         "               wall clock after that long. partitions: asked of the broker if absent\n"
         "               (a missing topic exits 2 here)\n"
         "  acker        worker hosting the acker (default: the last worker)\n"
         "  start_ms, duration_ms   the tick's interval (default 0, 0: until the fronts close)\n"
         "  exactly_once true|false (default true): ingestion logs, commits, snapshots in each\n"
         "               worker's --data-dir, and recovery when a worker dies and comes back\n"
         "  tick_ms      commit interval in milliseconds of input time (default 500)\n"
         "  continues    \"running\" (or the running tick's node): continue that job live under\n"
         "               this tick's mapping and workers, moving grouping state to the new owners;\n"
         "               same graph and params, fronts and sinks on the same workers (see\n"
         "               flamestream rescale --help). Without it a tick is a new job.\n"
         "--job LIB.so: a job library defining the graph. It is loaded and checked here, stored\n"
         "in ZooKeeper by its hash (/flamestream/jobs/HASH, in chunks of 512 KiB), and the tick's\n"
         "\"job\" field names it; each worker fetches it into DATA_DIR/jobs/ and loads it.\n"
         "Any error names the field (or the library), exits 2 and writes nothing.\n"
         "\n" +
         key_usage();
}

int submit_command(const std::vector<std::string>& args) {
  const Options opts(args, {"zk", "job", kKeyFileOption}, {"help", kInsecureFlag});
  if (opts.flag("help")) return std::cout << submit_usage(), 0;
  if (opts.positional().size() != 1) throw UsageError("submit needs one TICK.json (or - for stdin)");
  std::string text = read_all(opts.positional()[0]);
  const std::string library = opts.value("job", "");
  std::string job_hash;
  if (!library.empty()) {
    job_hash = load_job_file(library);  // before ZooKeeper: a refused library changes nothing
    text = with_job_field(text, job_hash);
  }
  const auto key = cluster_key(opts);
  auto zk = connect_zk(opts.value("zk", ""), key ? &*key : nullptr);
  ensure_layout(*zk);
  TickSpec spec;
  try {
    spec = parse_tick(text, worker_names(*zk));
    continue_running_job(*zk, spec);
  } catch (const TickError& e) {
    throw UsageError(e.what());
  }
  fill_in_partitions(spec);
  if (!job_hash.empty()) store_job(*zk, library, job_hash);
  const DeployedTick tick = write_tick(*zk, spec);
  if (!spec.continues.empty()) std::cerr << "flamestream submit: continues " << spec.continues << " (live rescale)\n";
  std::cout << tick.node << "\n";
  return 0;
}

std::string ingest_usage() {
  return "usage: flamestream ingest --zk HOST:PORT --front NAME[@WORKER] [--batch-lines N] [--rate L]\n"
         "                          [--key-file FILE | --insecure] [FILE|-]\n"
         "       flamestream ingest --zk HOST:PORT --front NAME[@WORKER] --kafka BROKERS --topic TOPIC\n"
         "                          [--follow] [--broker-wait-s N] [--batch-lines N] [--rate L]\n"
         "\n"
         "Streams the lines of FILE (default: stdin) into a front of the latest tick, then closes\n"
         "it. With NAME the lines spread over every instance of the front, a batch each in turn,\n"
         "and each line gets a time that keeps the input's order: the output is the same as with\n"
         "one instance. With NAME@WORKER they go to that worker's instance only, on this client's\n"
         "own time axis (several such clients, one an instance, may run at once). A line counts\n"
         "as ingested once its instance acknowledged it. Exits 2 if a front refuses a line or the\n"
         "input cannot be read (the message names the line); every line before it stays\n"
         "ingested, and the instances are closed. Exits 2 naming the failure if the tick fails\n"
         "for good (a job function threw) while lines wait for their acknowledgement.\n"
         "\n"
         "  --batch-lines N   lines a round at most, dealt out over the front's instances\n"
         "                    (default 1024, or about 10 ms of input with --rate); a round\n"
         "                    leaves earlier when no further line is\n"
         "                    ready, so lines that trickle in (a pipe, a terminal) enter the\n"
         "                    front as they are read\n"
         "  --rate L          send at most L lines a second (default: as fast as the front\n"
         "                    takes them)\n"
         "  --kafka BROKERS   read the input from a Kafka topic instead of FILE: every partition\n"
         "                    of --topic from its first record (read_committed), each record's\n"
         "                    value a line (or several, split at newlines); ends where the topic\n"
         "                    ended when ingest started, or follows it with --follow. A missing\n"
         "                    topic exits 2\n"
         "  --broker-wait-s N while no Kafka broker answers at start, retry (said once on\n"
         "                    stderr; a pause of 0.1 s doubling to 5 s) for up to N seconds,\n"
         "                    then exit 2. Default 0: wait for ever\n"
         "  --max-line-mib N  the longest line sent, in MiB (default 64, at most 1024); a\n"
         "                    longer one (or one over the workers' own --max-line-mib) ends\n"
         "                    the input: exit 2 naming its number, once every line before\n"
         "                    it is acknowledged\n"
         "  --progress        a progress line on stderr once a second (lines read, words,\n"
         "                    their rates, time elapsed; for a file the share read and the\n"
         "                    time left), also when stderr is no terminal (then a line a\n"
         "                    report and a last one for the whole input). The default: on\n"
         "                    when stderr is a terminal\n"
         "  --quiet           no progress line\n" +
         key_usage();
}

int ingest_command(const std::vector<std::string>& args) {
  const Options opts(args, {"zk", "front", "batch-lines", "rate", "kafka", "topic", "broker-wait-s", "max-line-mib", kKeyFileOption},
                     {"help", "follow", "progress", "quiet", kInsecureFlag});
  if (opts.flag("help")) return std::cout << ingest_usage(), 0;
  if (opts.positional().size() > 1) throw UsageError("ingest takes at most one FILE");
  const std::string kafka = opts.value("kafka", "");
  const std::string topic = opts.value("topic", "");
  if (kafka.empty() != topic.empty()) throw UsageError("--kafka BROKERS and --topic TOPIC go together");
  if (!kafka.empty() && !opts.positional().empty()) throw UsageError("give a FILE or --kafka, not both");
  if (kafka.empty() && opts.flag("follow")) throw UsageError("--follow is for --kafka");
  if (kafka.empty() && opts.has("broker-wait-s")) throw UsageError("--broker-wait-s is for --kafka");
  const auto broker_wait = broker_wait_option(opts);
  const std::string front = opts.value("front", "");
  if (front.empty()) throw UsageError("--front NAME is required");
  const std::uint64_t rate = opts.unsigned_value("rate", 0);
  const std::size_t max_line = opts.max_line_bytes();
  if (opts.has("rate") && rate == 0) throw UsageError("--rate must be at least 1 line a second");
  const auto key = cluster_key(opts);
  auto zk = connect_zk(opts.value("zk", ""), key ? &*key : nullptr);
  ensure_layout(*zk);
  const DeployedTick tick = current_tick(*zk);
  auto hosts = hosts_of(*zk, tick, front, tick.spec.fronts, "front");
  std::vector<std::string> endpoints;
  for (const auto& [name, registration] : hosts) endpoints.push_back(registration.endpoint);
  std::unique_ptr<Source> source =
      kafka.empty() ? open_source(opts.positional().empty() ? "-" : opts.positional()[0], max_line)
                    : std::make_unique<KafkaSource>(kafka, topic, !opts.flag("follow"), max_line, broker_wait);
  if (rate > 0) source = std::make_unique<PacedSource>(std::move(source), static_cast<double>(rate));
  source = std::make_unique<ProgressSource>(std::move(source), progress_mode(opts),
                                            kafka.empty() ? input_size(opts.positional().empty() ? "-" : opts.positional()[0])
                                                          : std::nullopt,
                                            "flamestream ingest");
  zmq::context_t context;
  IngestClient::Options options;
  options.tick = tick.id;
  options.key = key ? &*key : nullptr;
  // A recovery can take a while (a dead worker must come back); the front's worker answers then.
  options.reply_timeout = std::chrono::minutes(5);
  auto failure_checked = std::chrono::steady_clock::now();
  options.relocate = [&](std::size_t i) {
    // Once a second, not once per waiting instance: a failed tick's fronts send no ack again.
    if (const auto now = std::chrono::steady_clock::now(); now - failure_checked >= std::chrono::seconds(1)) {
      failure_checked = now;
      throw_if_failed(*zk, tick);
    }
    return replaced(*zk, hosts[i].first, hosts[i].second);
  };
  const std::size_t paced_batch = std::clamp<std::size_t>(rate / 100, 1, options.batch_lines);
  options.batch_lines = opts.unsigned_value("batch-lines", rate > 0 ? paced_batch : options.batch_lines);
  if (options.batch_lines == 0) throw UsageError("--batch-lines must be at least 1");
  const std::string node = front.substr(0, front.find('@'));
  IngestClient client(context, endpoints, node, options);
  const auto accepted = client.stream(*source, [] { return true; });
  std::cerr << "flamestream ingest: " << accepted << " lines into front '" << front << "' of "
            << tick.node << " (" << hosts.size() << (hosts.size() == 1 ? " instance" : " instances") << ")\n";
  return 0;
}

std::string tail_usage() {
  return "usage: flamestream tail --zk HOST:PORT --sink NAME[@WORKER] [--instance WORKER] [--key-file FILE | --insecure]\n"
         "\n"
         "Prints what a sink of the latest tick releases, as it is released, from the first line\n"
         "on. Exits once every front is closed and everything is released. A sink placed on\n"
         "several workers is read from all its instances, merged into the one order a single\n"
         "sink would have released; NAME@WORKER (or --instance WORKER) reads that worker's\n"
         "instance alone. Lines a worker's output log no longer keeps (its retention,\n"
         "flamestream worker --output-retention-mib) are skipped, said on stderr, and the exit\n"
         "status is then 1. A tick that failed for good (a job function threw) ends tail within\n"
         "about a second, after the lines released before the failure: exit 2 naming it.\n"
         "\n"
         "  --to-kafka BROKERS  write the lines to partition 0 of Kafka topic --topic instead of\n"
         "                      stdout, exactly once: in transactions of --commit-ms (default\n"
         "                      100) that carry the number of lines written so far, under\n"
         "                      --transactional-id (default flamestream-TICK-SINK). A tail\n"
         "                      started again with the same id (after a kill -9 too) fences the\n"
         "                      old one and goes on after the last committed line, so a\n"
         "                      read_committed consumer sees every line once, in order. A\n"
         "                      missing topic exits 2\n"
         "  --broker-wait-s N   while no Kafka broker answers at start, retry (said once on\n"
         "                      stderr; a pause of 0.1 s doubling to 5 s) for up to N seconds,\n"
         "                      then exit 2. Default 0: wait for ever\n" +
         key_usage();
}

int tail_command(const std::vector<std::string>& args) {
  const Options opts(args, {"zk", "sink", "instance", "to-kafka", "topic", "transactional-id", "commit-ms", "broker-wait-s",
                            kKeyFileOption},
                     {"help", kInsecureFlag});
  if (opts.flag("help")) return std::cout << tail_usage(), 0;
  const std::string kafka = opts.value("to-kafka", "");
  const std::string topic = opts.value("topic", "");
  if (kafka.empty() != topic.empty()) throw UsageError("--to-kafka BROKERS and --topic TOPIC go together");
  if (kafka.empty() && opts.has("broker-wait-s")) throw UsageError("--broker-wait-s is for --to-kafka");
  const auto broker_wait = broker_wait_option(opts);
  const std::chrono::milliseconds commit_every(opts.unsigned_value("commit-ms", 100));
  std::string sink = opts.value("sink", "");
  if (sink.empty()) throw UsageError("--sink NAME is required");
  if (const std::string instance = opts.value("instance", ""); !instance.empty()) {
    if (sink.find('@') != std::string::npos) throw UsageError("give the instance once: --sink NAME@WORKER or --instance WORKER");
    sink += "@" + instance;
  }
  const auto key = cluster_key(opts);
  auto zk = connect_zk(opts.value("zk", ""), key ? &*key : nullptr);
  ensure_layout(*zk);
  const DeployedTick tick = current_tick(*zk);
  auto hosts = hosts_of(*zk, tick, sink, tick.spec.sinks, "sink");
  std::vector<TailClient::Instance> instances;
  for (auto& [worker, registration] : hosts) instances.push_back({worker, registration});
  TailClient client(tick.id, sink.substr(0, sink.find('@')), std::move(instances),
                    [&](const std::string& worker, const Registration& known) -> std::optional<Registration> {
                      Registration now = known;
                      if (!replaced(*zk, worker, now)) return std::nullopt;
                      return now;
                    },
                    key ? &*key : nullptr);
  client.watch([&] { throw_if_failed(*zk, tick); });
  if (kafka.empty()) {
    client.run(std::cout);
  } else {
    const std::string id = opts.value("transactional-id", "flamestream-" + tick.node + "-" + sink);
    KafkaTopicWriter writer(kafka, topic, id, broker_wait);
    // The merged order is the same in every run (DESIGN §3): the first position() lines are in
    // the topic already.
    std::uint64_t skip = writer.position();
    client.run(
        [&](std::string_view line) {
          if (skip > 0) return static_cast<void>(--skip);
          writer.write(line);
          writer.commit_if_older(commit_every);
        },
        [&] { writer.commit_if_older(commit_every); });
    writer.commit();
    std::cerr << "flamestream tail: " << writer.position() << " lines in Kafka topic '" << topic << "'\n";
  }
  return client.removed_reports() > 0 ? 1 : 0;
}

std::string status_usage() {
  return "usage: flamestream status --zk HOST:PORT [--key-file FILE | --insecure]\n"
         "\n"
         "Shows the registered workers, the links between them that are silent (a worker found\n"
         "no working connection to a peer: `link w1 -> w2 silent since 12:01:03 (14 s)`), the\n"
         "submitted ticks with their placement and minimal time, and the committed ticks.\n"
         "\n" +
         key_usage();
}

int status_command(const std::vector<std::string>& args) {
  const Options opts(args, {"zk", kKeyFileOption}, {"help", kInsecureFlag});
  if (opts.flag("help")) return std::cout << status_usage(), 0;
  const auto key = cluster_key(opts);
  auto zk = connect_zk(opts.value("zk", ""), key ? &*key : nullptr);
  ensure_layout(*zk);
  const auto workers = registered_workers(*zk);
  std::cout << "workers: " << workers.size() << "\n";
  for (const auto& [name, r] : workers) std::cout << "  " << name << "  " << r.endpoint << "\n";
  std::set<std::string> registered;
  for (const auto& [name, r] : workers) registered.insert(name);
  print_silent_links(std::cout, read_silent_links(*zk), registered,
                     std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  const auto ticks = all_ticks(*zk);
  std::cout << "ticks: " << ticks.size() << "\n";
  for (const DeployedTick& t : ticks) {
    std::cout << "  " << t.node << "  graph " << t.spec.graph << "  workers";
    for (const auto& w : t.spec.workers) std::cout << ' ' << w;
    std::cout << "  acker " << t.spec.acker << "\n";
    print_mapping(t);
    for (const auto* pinned : {&t.spec.fronts, &t.spec.sinks}) {
      for (const auto& [node, workers] : *pinned) {
        std::string on;
        for (const auto& w : workers) on += (on.empty() ? "" : ", ") + w;
        std::cout << "    " << (pinned == &t.spec.fronts ? "front " : "sink ") << node << " on " << on << "\n";
      }
    }
    if (const auto failure = read_failure(*zk, t)) std::cout << "    failed: " << *failure << "\n";
    const auto progress = read_progress(*zk, t);
    std::cout << "    minimal time: " << (progress ? format_ts(progress->min_time) : "not reported yet") << "\n";
    print_commits(*zk, t);
  }
  return 0;
}

}  // namespace flamestream
