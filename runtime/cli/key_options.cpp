#include "runtime/cli/key_options.h"

#include <cstdlib>
#include <iostream>

namespace flamestream {

std::optional<ClusterKey> cluster_key(const Options& opts) {
  if (opts.flag(kInsecureFlag)) {
    if (opts.has(kKeyFileOption)) throw UsageError("--key-file and --insecure contradict each other");
    return std::nullopt;
  }
  std::string path = opts.value(kKeyFileOption, "");
  if (path.empty()) {
    const char* from_env = std::getenv(kKeyFileVariable);
    if (from_env != nullptr) path = from_env;
  }
  if (path.empty())
    throw UsageError(std::string("no cluster key: give --key-file FILE or set ") + kKeyFileVariable +
                     " (flamestream keys FILE makes one), or --insecure for a cluster without authentication");
  return ClusterKey::load(path);
}

std::string key_usage() {
  return "  --key-file FILE   the cluster key (made by flamestream keys); default: the file that\n"
         "                    $FLAMESTREAM_KEY_FILE names. Workers take ZeroMQ connections\n"
         "                    (CURVE) from holders of the key only, and the cluster's ZooKeeper\n"
         "                    nodes are readable and writable by holders of the key only.\n"
         "                    Without a key the command exits 2\n"
         "  --insecure        no key: plain sockets and open ZooKeeper nodes, for local\n"
         "                    experiments (every worker and client of the cluster must say it)\n";
}

namespace {

std::string keys_usage() {
  return "usage: flamestream keys FILE\n"
         "\n"
         "Makes a new cluster key and writes it to FILE (readable by its owner only; an existing\n"
         "FILE is never replaced). Give the same FILE to every worker and client of the cluster,\n"
         "with --key-file FILE or FLAMESTREAM_KEY_FILE=FILE. It holds the CURVE key pair the\n"
         "workers serve with, the key pair clients and workers connect with, and the ZooKeeper\n"
         "digest password: whoever holds it can run, feed, read and rewrite the cluster's jobs.\n";
}

}  // namespace

int keys_command(const std::vector<std::string>& args) {
  const Options opts(args, {}, {"help"});
  if (opts.flag("help")) return std::cout << keys_usage(), 0;
  if (opts.positional().size() != 1) throw UsageError("keys needs one FILE to write the cluster key to");
  ClusterKey::generate().save(opts.positional()[0]);
  std::cerr << "flamestream keys: wrote a new cluster key to " << opts.positional()[0] << "\n";
  return 0;
}

}  // namespace flamestream
