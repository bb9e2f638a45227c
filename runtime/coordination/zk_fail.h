// Internal to the coordination library: the one way a ZkClient reports a failed C-client call.
#pragma once

#include <string>

namespace flamestream {

// Throws ZkError("ZooKeeper OP PATH: <the C client's message> (rc N)", rc).
[[noreturn]] void zk_fail(const char* op, const std::string& path, int rc);

}  // namespace flamestream
