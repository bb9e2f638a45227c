// `flamestream run GRAPH`: runs a catalog job over an input file and prints what its sink releases.
#pragma once

#include <string>
#include <vector>

namespace flamestream {

// Returns the process exit code: 0 done, 2 bad usage or input (output released before the bad
// input line stays written), 1 an internal or I/O error.
int run_command(const std::vector<std::string>& args);

std::string run_usage();

}  // namespace flamestream
