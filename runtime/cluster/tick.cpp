#include "runtime/cluster/tick.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "model/errors.h"
#include "runtime/cluster/strict_json.h"

namespace flamestream {

namespace {

using nlohmann::json;
constexpr std::uint64_t kKeySpace = std::uint64_t{1} << 32;

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw TickError("tick field '" + field + "': " + what);
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

std::string text_field(const json& j, const std::string& field) {
  if (!j.is_string() || j.get<std::string>().empty()) fail(field, "must be a non-empty string");
  return j.get<std::string>();
}

std::uint64_t unsigned_field(const json& j, const std::string& field, std::uint64_t max) {
  if (!j.is_number_unsigned() || j.get<std::uint64_t>() > max)
    fail(field, "must be an integer in [0, " + std::to_string(max) + "]");
  return j.get<std::uint64_t>();
}

std::vector<std::string> parse_workers(const json& doc, const std::vector<std::string>& registered) {
  if (!doc.contains("workers")) {
    if (registered.empty()) fail("workers", "not given, and no worker is registered");
    std::vector<std::string> all = registered;
    std::sort(all.begin(), all.end());
    return all;
  }
  const json& list = doc["workers"];
  if (!list.is_array() || list.empty()) fail("workers", "must be a non-empty array of worker names");
  std::vector<std::string> workers;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string field = "workers[" + std::to_string(i) + "]";
    std::string name = text_field(list[i], field);
    if (std::find(registered.begin(), registered.end(), name) == registered.end())
      fail(field, "worker '" + name + "' is not registered (registered: " + joined(registered) + ")");
    if (std::find(workers.begin(), workers.end(), name) != workers.end())
      fail(field, "worker '" + name + "' is listed twice");
    workers.push_back(std::move(name));
  }
  return workers;
}

std::vector<HashMapping::Range> parse_mapping(const json& doc, const TickSpec& tick) {
  if (!doc.contains("mapping")) return HashMapping::even(tick.workers.size()).ranges();
  const json& list = doc["mapping"];
  if (!list.is_array() || list.empty())
    fail("mapping", "must be a non-empty array of {\"worker\", \"from\", \"to\"}");
  struct Entry {
    std::uint64_t from, to;
    WorkerId worker;
    std::string field;
  };
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string field = "mapping[" + std::to_string(i) + "]";
    if (!list[i].is_object()) fail(field, "must be an object {\"worker\", \"from\", \"to\"}");
    for (const char* key : {"worker", "from", "to"})
      if (!list[i].contains(key)) fail(field + "." + key, "is missing");
    const std::string worker = text_field(list[i]["worker"], field + ".worker");
    const auto from = unsigned_field(list[i]["from"], field + ".from", kKeySpace - 1);
    const auto to = unsigned_field(list[i]["to"], field + ".to", kKeySpace - 1);
    if (to < from) fail(field, "'to' is below 'from'");
    auto it = std::find(tick.workers.begin(), tick.workers.end(), worker);
    if (it == tick.workers.end())
      fail(field + ".worker", "'" + worker + "' is not among the tick's workers (" + joined(tick.workers) + ")");
    entries.push_back({from, to, static_cast<WorkerId>(it - tick.workers.begin()), field});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.from < b.from; });
  std::vector<HashMapping::Range> ranges;
  std::uint64_t next = 0;
  for (const Entry& e : entries) {
    if (e.from > next) fail(e.field, "gap: hashes " + std::to_string(next) + ".." + std::to_string(e.from - 1) + " have no worker");
    if (e.from < next) fail(e.field, "overlap: hash " + std::to_string(e.from) + " is already mapped");
    ranges.push_back({e.to + 1, e.worker});
    next = e.to + 1;
  }
  if (next != kKeySpace) fail("mapping", "gap: hashes " + std::to_string(next) + "..4294967295 have no worker");
  return ranges;
}

// `field`: {"node": "worker"}, {"node": ["worker", ...]} or {"node": "*"} (every worker); the
// hosts come back in the tick's worker order, `fallback` for a node not given.
std::map<std::string, std::vector<std::string>> parse_hosts(const json& doc, const std::string& field,
                                                            const std::vector<NodeId>& nodes,
                                                            const LogicalGraph& graph, const TickSpec& tick,
                                                            const std::vector<std::string>& fallback) {
  std::map<std::string, std::vector<std::string>> hosts;
  std::vector<std::string> names;
  for (NodeId n : nodes) {
    names.push_back(graph.node(n).name);
    hosts[graph.node(n).name] = fallback;
  }
  if (!doc.contains(field)) return hosts;
  if (!doc[field].is_object()) fail(field, "must be an object {\"node\": \"worker\" | [\"worker\", ...] | \"*\"}");
  for (const auto& [node, given] : doc[field].items()) {
    const std::string at = field + "." + node;
    if (!hosts.contains(node))
      fail(at, "graph '" + tick.graph + "' has no such node (valid: " + joined(names) + ")");
    if (given.is_string() && given.get<std::string>() == "*") {
      hosts[node] = tick.workers;
      continue;
    }
    std::vector<std::string> listed;
    if (given.is_array()) {
      if (given.empty()) fail(at, "must name at least one worker");
      for (std::size_t i = 0; i < given.size(); ++i) listed.push_back(text_field(given[i], at + "[" + std::to_string(i) + "]"));
    } else {
      listed.push_back(text_field(given, at));
    }
    std::vector<std::string> ordered;
    for (const std::string& w : tick.workers)
      if (std::count(listed.begin(), listed.end(), w) > 0) ordered.push_back(w);
    for (const std::string& name : listed) {
      if (std::find(tick.workers.begin(), tick.workers.end(), name) == tick.workers.end())
        fail(at, "'" + name + "' is not among the tick's workers (" + joined(tick.workers) + ")");
      if (std::count(listed.begin(), listed.end(), name) > 1) fail(at, "'" + name + "' is listed twice");
    }
    hosts[node] = std::move(ordered);
  }
  return hosts;
}

// `kafka`: {"front node": {"brokers", "topic", "partitions", "follow", "idle_ms"}}.
std::map<std::string, KafkaFrontSpec> parse_kafka(const json& doc, const LogicalGraph& graph, const TickSpec& tick) {
  std::map<std::string, KafkaFrontSpec> out;
  if (!doc.contains("kafka")) return out;
  if (!doc["kafka"].is_object()) fail("kafka", "must be an object {\"front node\": {\"brokers\", \"topic\", ...}}");
  std::vector<std::string> fronts;
  for (NodeId f : graph.fronts()) fronts.push_back(graph.node(f).name);
  static const std::set<std::string> known = {"brokers", "topic", "partitions", "follow", "idle_ms"};
  for (const auto& [node, given] : doc["kafka"].items()) {
    const std::string at = "kafka." + node;
    if (std::find(fronts.begin(), fronts.end(), node) == fronts.end())
      fail(at, "graph '" + tick.graph + "' has no such front (valid: " + joined(fronts) + ")");
    if (!given.is_object()) fail(at, "must be an object {\"brokers\", \"topic\", \"partitions\", \"follow\", \"idle_ms\"}");
    for (const auto& [key, value] : given.items())
      if (!known.contains(key)) fail(at + "." + key, "unknown field (valid: brokers, topic, partitions, follow, idle_ms)");
    for (const char* key : {"brokers", "topic"})
      if (!given.contains(key)) fail(at + "." + key, "is missing");
    KafkaFrontSpec k;
    k.brokers = text_field(given["brokers"], at + ".brokers");
    k.topic = text_field(given["topic"], at + ".topic");
    if (given.contains("partitions"))
      k.partitions = static_cast<std::uint32_t>(unsigned_field(given["partitions"], at + ".partitions", 0x7fff));
    if (given.contains("follow")) {
      if (!given["follow"].is_boolean()) fail(at + ".follow", "must be true or false");
      k.follow = given["follow"].get<bool>();
    }
    if (given.contains("idle_ms")) k.idle_ms = unsigned_field(given["idle_ms"], at + ".idle_ms", 24ULL * 3600 * 1000);
    out[node] = std::move(k);
  }
  return out;
}

}  // namespace

WorkerId TickSpec::worker_id(const std::string& name) const {
  auto it = std::find(workers.begin(), workers.end(), name);
  if (it == workers.end()) throw TickError("worker '" + name + "' is not part of this tick");
  return static_cast<WorkerId>(it - workers.begin());
}

Placement TickSpec::placement(const LogicalGraph& graph) const {
  Placement p{HashMapping::of(mapping, workers.size()),
              std::vector<std::vector<WorkerId>>(graph.nodes().size()), worker_id(acker), false, {}};
  for (const auto* pinned : {&fronts, &sinks})
    for (const auto& [node, names] : *pinned)
      for (const std::string& name : names) p.hosts[graph.find(node)].push_back(worker_id(name));
  p.partitions.assign(graph.nodes().size(), 0);
  for (const auto& [node, k] : kafka) p.partitions[graph.find(node)] = k.partitions;
  return p;
}

TickSpec parse_tick(std::string_view text, const std::vector<std::string>& registered) {
  json doc;
  try {
    doc = parse_strict_json(text);
  } catch (const JsonError& e) {
    throw TickError(std::string("tick is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw TickError("tick must be a JSON object");
  static const std::set<std::string> known = {"graph", "params", "workers", "mapping", "fronts",
                                              "sinks", "acker", "start_ms", "duration_ms",
                                              "exactly_once", "tick_ms", "deployment",
                                              "continues", "lineage", "job", "kafka"};
  for (const auto& [key, value] : doc.items())
    if (!known.contains(key)) fail(key, "unknown field (valid: graph, params, workers, mapping, fronts, sinks, kafka, acker, start_ms, duration_ms, exactly_once, tick_ms)");
  if (!doc.contains("graph")) fail("graph", "is missing");
  TickSpec tick;
  tick.graph = text_field(doc["graph"], "graph");
  if (doc.contains("params")) {
    if (!doc["params"].is_object()) fail("params", "must be an object of strings");
    for (const auto& [k, v] : doc["params"].items())
      tick.params[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (doc.contains("job")) {
    tick.job = text_field(doc["job"], "job");
    if (tick.job.size() != 16 || tick.job.find_first_not_of("0123456789abcdef") != std::string::npos)
      fail("job", "must be a stored job library's hash, 16 hex digits (submit --job fills it in)");
  }
  std::optional<Job> job;
  try {
    job = make_job(tick.graph, tick.params, tick.job);
  } catch (const GraphError& e) {
    fail(doc.contains("params") && std::string(e.what()).find("param") != std::string::npos ? "params" : "graph", e.what());
  }
  tick.workers = parse_workers(doc, registered);
  tick.mapping = parse_mapping(doc, tick);
  const std::size_t n = tick.workers.size();
  // An instance of every front and every sink on every worker: `ingest` deals its input out over the
  // fronts, `tail` merges the sinks' outputs into one order (DESIGN §6).
  tick.fronts = parse_hosts(doc, "fronts", job->graph.fronts(), job->graph, tick, tick.workers);
  tick.sinks = parse_hosts(doc, "sinks", job->graph.sinks(), job->graph, tick, tick.workers);
  tick.kafka = parse_kafka(doc, job->graph, tick);
  tick.acker = doc.contains("acker") ? text_field(doc["acker"], "acker") : tick.workers[n - 1];
  if (std::find(tick.workers.begin(), tick.workers.end(), tick.acker) == tick.workers.end())
    fail("acker", "'" + tick.acker + "' is not among the tick's workers (" + joined(tick.workers) + ")");
  if (doc.contains("start_ms")) tick.start_ms = unsigned_field(doc["start_ms"], "start_ms", kInfinity);
  if (doc.contains("duration_ms")) tick.duration_ms = unsigned_field(doc["duration_ms"], "duration_ms", kInfinity);
  if (doc.contains("deployment")) {
    tick.deployment = text_field(doc["deployment"], "deployment");
    if (tick.deployment.size() > 32 ||
        tick.deployment.find_first_not_of("0123456789abcdef") != std::string::npos)
      fail("deployment", "must be up to 32 lowercase hex digits (submit assigns it)");
  }
  for (const char* field : {"continues", "lineage"}) {
    if (!doc.contains(field)) continue;
    const std::string v = text_field(doc[field], field);
    const bool running = std::string(field) == "continues" && v == "running";
    if (!running && (v.rfind("tick-", 0) != 0 || v.size() > 64 ||
                     v.find_first_not_of("0123456789abcdef-tick") != std::string::npos))
      fail(field, std::string(field) == "continues"
                      ? "names the running tick (tick-NNNNNNNNNN, or \"running\") this one continues"
                      : "is filled in by submit");
    (std::string(field) == "continues" ? tick.continues : tick.lineage) = v;
  }
  if (doc.contains("exactly_once")) {
    if (!doc["exactly_once"].is_boolean()) fail("exactly_once", "must be true or false");
    tick.exactly_once = doc["exactly_once"].get<bool>();
  }
  if (doc.contains("tick_ms")) {
    tick.tick_ms = unsigned_field(doc["tick_ms"], "tick_ms", 24ULL * 3600 * 1000);
    if (tick.tick_ms == 0) fail("tick_ms", "must be at least 1");
  }
  return tick;
}

std::string tick_to_json(const TickSpec& tick) {
  json doc;
  doc["graph"] = tick.graph;
  if (!tick.job.empty()) doc["job"] = tick.job;
  doc["params"] = json::object();
  for (const auto& [k, v] : tick.params) doc["params"][k] = v;
  doc["workers"] = tick.workers;
  doc["mapping"] = json::array();
  std::uint64_t from = 0;
  for (const auto& r : tick.mapping) {
    doc["mapping"].push_back({{"worker", tick.workers[r.worker]}, {"from", from}, {"to", r.end - 1}});
    from = r.end;
  }
  doc["fronts"] = tick.fronts;
  doc["sinks"] = tick.sinks;
  for (const auto& [node, k] : tick.kafka)
    doc["kafka"][node] = {{"brokers", k.brokers}, {"topic", k.topic}, {"partitions", k.partitions},
                          {"follow", k.follow}, {"idle_ms", k.idle_ms}};
  doc["acker"] = tick.acker;
  doc["start_ms"] = tick.start_ms;
  doc["duration_ms"] = tick.duration_ms;
  doc["exactly_once"] = tick.exactly_once;
  if (!tick.deployment.empty()) doc["deployment"] = tick.deployment;
  if (!tick.continues.empty()) doc["continues"] = tick.continues;
  if (!tick.lineage.empty()) doc["lineage"] = tick.lineage;
  doc["tick_ms"] = tick.tick_ms;
  return doc.dump(2);
}

}  // namespace flamestream
