// The cluster key on the command line: `flamestream keys`, and how every cluster command finds
// the key (--key-file, else $FLAMESTREAM_KEY_FILE) or is told to do without (--insecure).
//
// Invariant: a cluster command either runs with a loaded, checked key or was explicitly told
// --insecure; a missing key is a usage error, never a silent fallback to plain sockets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/cli/options.h"
#include "runtime/security/cluster_key.h"

namespace flamestream {

// The options to add to a cluster command's parser.
inline constexpr const char* kKeyFileOption = "key-file";
inline constexpr const char* kInsecureFlag = "insecure";

// The key the command runs with; nullopt with --insecure. Throws UsageError when there is none
// and KeyError when the file is bad.
std::optional<ClusterKey> cluster_key(const Options& opts);

// The lines of a command's --help that describe --key-file and --insecure.
std::string key_usage();

int keys_command(const std::vector<std::string>& args);

}  // namespace flamestream
