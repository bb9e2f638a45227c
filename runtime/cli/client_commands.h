// The client commands of a cluster: submit a tick, stream input into a front, follow a sink's
// output, and show the cluster's state. Each talks to ZooKeeper first, then to the worker it needs.
#pragma once

#include <string>
#include <vector>

namespace flamestream {

int submit_command(const std::vector<std::string>& args);
int ingest_command(const std::vector<std::string>& args);
int tail_command(const std::vector<std::string>& args);
int status_command(const std::vector<std::string>& args);

std::string submit_usage();
std::string ingest_usage();
std::string tail_usage();
std::string status_usage();

}  // namespace flamestream
