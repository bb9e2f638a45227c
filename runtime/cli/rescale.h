// Live re-partitioning (paper §3.5.1): a tick that continues the running job under another hash
// mapping, on more, fewer or other workers — deployed without restarting anything.
//
// continue_running_job() decides whether a submitted tick continues the latest one (the same graph
// and params, both exactly-once, the job not complete) and if so links it: the job's files, its
// fronts and sinks (which stay on their workers: the ingestion logs and outputs live there) and its
// committed state carry over. `flamestream rescale` builds such a tick with an even mapping.
#pragma once

#include <string>
#include <vector>

#include "runtime/cluster/cluster_state.h"

namespace flamestream {

// Links `spec` to the running job if it continues it; throws TickError naming the field when it
// would continue it but cannot (a front or sink moved, a start time in the past).
void continue_running_job(ZkClient& zk, TickSpec& spec);

int rescale_command(const std::vector<std::string>& args);
std::string rescale_usage();

}  // namespace flamestream
