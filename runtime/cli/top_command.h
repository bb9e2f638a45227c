// `flamestream top`: a live view of the running tick's workers, read from their metrics endpoints.
#pragma once

#include <string>
#include <vector>

namespace flamestream {

int top_command(const std::vector<std::string>& args);
std::string top_usage();

}  // namespace flamestream
