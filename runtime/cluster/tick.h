// A tick (paper §3.5.1): the unit of deployment — which job runs, over which workers, how the key
// space is split between them, and where the fronts, sinks and the acker live.
//
// parse_tick() is the one gate between a user's JSON and the cluster: it rejects anything
// malformed with a TickError naming the field, fills in the defaults (every registered worker, an
// even split, an instance of every front and every sink on every worker, the acker on the last),
// and
// returns a spec in which every name resolves. tick_to_json() writes that resolved form.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "graphs/catalog.h"
#include "runtime/placement.h"

namespace flamestream {

class TickError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A front that reads a Kafka topic inside the workers (PartitionFrontHost): partition p is read on
// the front's hosts[p % hosts], as a front instance of its own.
struct KafkaFrontSpec {
  std::string brokers;
  std::string topic;
  std::uint32_t partitions = 0;  // the topic's partition count; 0: submit asks the broker
  bool follow = false;           // false: ends where the partitions ended when it first started
  std::uint64_t idle_ms = 200;   // an idle partition promises the wall clock after this long

  bool operator==(const KafkaFrontSpec&) const = default;
};

struct TickSpec {
  std::string graph;
  Params params;
  std::string job;  // the stored job library (job_store.h) that defines `graph`; empty: the catalog
  std::vector<std::string> workers;           // a worker's index here is its WorkerId
  std::vector<HashMapping::Range> mapping;    // contiguous, covering the 32-bit key space
  // Front and sink node name -> the workers hosting an instance, in the tick's worker order.
  std::map<std::string, std::vector<std::string>> fronts;
  std::map<std::string, std::vector<std::string>> sinks;
  // Front node name -> the Kafka topic it reads (absent: the front takes clients' lines).
  std::map<std::string, KafkaFrontSpec> kafka;
  std::string acker;
  std::uint64_t start_ms = 0;
  std::uint64_t duration_ms = 0;  // 0: until every front is closed
  bool exactly_once = true;       // commits, ingestion logs, recovery after a worker failure
  std::uint64_t tick_ms = 500;    // commit interval of front time, when exactly_once
  // Unique per submission (write_tick assigns it): names the workers' files of this deployment, so
  // a data dir reused with another ZooKeeper, whose tick ids start again at 1, is never mistaken.
  std::string deployment;
  // Rescaling: the tick this one continues (same job, new mapping; submit fills it in), and the
  // name of the job's files in every worker's data dir, shared by the ticks that continue it.
  std::string continues;
  std::string lineage;

  // The directory, under a worker's data dir, of the job this tick (node `node`) runs.
  std::string storage_name(const std::string& node) const {
    return lineage.empty() ? node + "-" + deployment : lineage;
  }

  WorkerId worker_id(const std::string& name) const;  // throws TickError for a stranger
  Placement placement(const LogicalGraph& graph) const;
};

// Validates and resolves a tick; `registered` are the workers that are up now.
TickSpec parse_tick(std::string_view json, const std::vector<std::string>& registered);

std::string tick_to_json(const TickSpec& tick);

}  // namespace flamestream
