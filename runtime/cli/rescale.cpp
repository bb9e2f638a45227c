#include "runtime/cli/rescale.h"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/cli/key_options.h"
#include "runtime/cli/options.h"
#include "runtime/cluster/commit_record.h"

namespace flamestream {

namespace {

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

using Hosts = std::map<std::string, std::vector<std::string>>;

void keep_hosts(const Hosts& now, const Hosts& before, const char* field, const DeployedTick& running) {
  for (const auto& [node, workers] : before) {
    auto it = now.find(node);
    if (it == now.end() || it->second != workers) {
      std::string names;
      for (const auto& w : workers) names += (names.empty() ? "'" : ", '") + w + "'";
      throw TickError(std::string("tick field '") + field + "': this tick continues " + running.node +
                      ", whose '" + node + "' lives on workers " + names + " with its files; keep it there");
    }
  }
}

}  // namespace

void continue_running_job(ZkClient& zk, TickSpec& spec) {
  if (spec.continues.empty()) return;  // a job of its own: the running one stops, this one starts
  const auto running = latest_tick(zk);
  const auto record = running ? read_commit_record(zk, *running) : std::nullopt;
  const auto fail = [](const std::string& why) { throw TickError("tick field 'continues': " + why); };
  if (!running) fail("no tick is running");
  if (spec.continues != "running" && spec.continues != running->node)
    fail("'" + spec.continues + "' is not the running tick (" + running->node + ")");
  if (running->spec.graph != spec.graph || running->spec.params != spec.params)
    fail(running->node + " runs another job (graph and params must be the same)");
  if (!running->spec.exactly_once || !spec.exactly_once)
    fail("moving state needs exactly-once on both ticks");
  if (record && record->committed == kInfinity) fail(running->node + " is complete");
  keep_hosts(spec.fronts, running->spec.fronts, "fronts", *running);
  keep_hosts(spec.sinks, running->spec.sinks, "sinks", *running);
  // A Kafka front's partitions, end offsets and idle promises stay with the workers that read them.
  if (spec.kafka.empty()) spec.kafka = running->spec.kafka;
  if (spec.kafka != running->spec.kafka)
    throw TickError("tick field 'kafka': this tick continues " + running->node + ", whose Kafka fronts must stay as they are");
  if (spec.start_ms != 0 && spec.start_ms < now_ms())
    throw TickError("tick field 'start_ms': " + std::to_string(spec.start_ms) +
                    " is in the past; a rescale takes effect now (0) or later");
  spec.continues = running->node;
  spec.lineage = running->spec.storage_name(running->node);
  spec.deployment = running->spec.deployment;
  spec.tick_ms = running->spec.tick_ms;
}

std::string rescale_usage() {
  return "usage: flamestream rescale --zk HOST:PORT --workers W1,W2,... [--key-file FILE | --insecure]\n"
         "\n"
         "Moves the running job onto the named workers with an even hash mapping, live: submits a\n"
         "tick that continues the running one. Fronts, sinks and their files stay where they are\n"
         "(their workers must be among W1,W2,...); the acker stays too, or moves to the last\n"
         "worker. Grouping state moves to the new owners of its keys; the output goes on without a\n"
         "gap or a duplicate. Prints the new tick. Exits 2 naming the problem (no running job, an\n"
         "unregistered worker, a front or sink left out) and submits nothing.\n"
         "\n" +
         key_usage();
}

int rescale_command(const std::vector<std::string>& args) {
  const Options opts(args, {"zk", "workers", kKeyFileOption}, {"help", kInsecureFlag});
  if (opts.flag("help")) return std::cout << rescale_usage(), 0;
  std::vector<std::string> workers;
  std::stringstream list(opts.value("workers", ""));
  for (std::string w; std::getline(list, w, ',');)
    if (!w.empty()) workers.push_back(w);
  if (workers.empty()) throw UsageError("--workers W1,W2,... is required");
  const auto key = cluster_key(opts);
  auto zk = connect_zk(opts.value("zk", ""), key ? &*key : nullptr);
  ensure_layout(*zk);
  const auto running = latest_tick(*zk);
  if (!running) throw UsageError("no job is running (see flamestream submit --help)");
  const auto record = read_commit_record(*zk, *running);
  if (!running->spec.exactly_once || (record && record->committed == kInfinity))
    throw UsageError(running->node + " is " + (running->spec.exactly_once ? "complete" : "not exactly-once") +
                     ": only a running exactly-once job can be rescaled");
  nlohmann::json tick = nlohmann::json::parse(tick_to_json(running->spec));
  tick["workers"] = workers;
  tick.erase("mapping");  // an even split over the new workers
  tick["continues"] = running->node;
  tick.erase("lineage");
  tick.erase("deployment");
  tick["start_ms"] = 0;
  if (std::count(workers.begin(), workers.end(), running->spec.acker) == 0) tick.erase("acker");
  TickSpec spec;
  try {
    spec = parse_tick(tick.dump(), worker_names(*zk));
    continue_running_job(*zk, spec);
  } catch (const TickError& e) {
    throw UsageError(e.what());
  }
  if (spec.continues != running->node) throw UsageError("the new tick would not continue " + running->node);
  std::cout << write_tick(*zk, spec).node << "\n";
  return 0;
}

}  // namespace flamestream
