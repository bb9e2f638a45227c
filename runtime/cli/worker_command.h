// `flamestream worker`: one cluster worker process. It registers in ZooKeeper, waits for ticks
// that name it, and runs each one with the same WorkerLoop the embedded engine uses.
#pragma once

#include <string>
#include <vector>

namespace flamestream {

int worker_command(const std::vector<std::string>& args);
std::string worker_usage();

}  // namespace flamestream
