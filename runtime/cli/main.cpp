// The flamestream command line: dispatches to a subcommand and maps errors to exit codes.
#include <iostream>
#include <string>
#include <vector>

#include "model/errors.h"
#include "runtime/coordination/zk_client.h"
#include "runtime/cli/options.h"
#include "runtime/cli/run_command.h"
#include "runtime/cli/client_commands.h"
#include "runtime/cli/key_options.h"
#include "runtime/cli/rescale.h"
#include "runtime/cli/top_command.h"
#include "runtime/cli/worker_command.h"
#include "runtime/cluster/cluster_state.h"
#include "runtime/kafka/kafka_source.h"

namespace {

const char* kUsage =
    "usage: flamestream COMMAND [options]\n"
    "\n"
    "A stream processor with optimistic grouping and deterministic, exactly-once output.\n"
    "\n"
    "commands:\n"
    "  run GRAPH     run a catalog job (or a job library's, --job LIB.so) in this process\n"
    "  worker        run a cluster worker (registers in ZooKeeper, deploys ticks)\n"
    "  submit        validate a tick and hand it to the cluster\n"
    "  ingest        stream lines into a front of the running tick\n"
    "  tail          print what a sink of the running tick releases\n"
    "  rescale       move the running job onto other workers, live\n"
    "  status        workers, ticks, commits and recoveries of a cluster\n"
    "  top           a live view of the running tick's workers (their metrics)\n"
    "  keys FILE     make a cluster key (every cluster command needs one, or --insecure)\n"
    "\n"
    "flamestream COMMAND --help shows the options of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace flamestream;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? std::cerr : std::cout) << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "run") return run_command(args);
    if (command == "worker") return worker_command(args);
    if (command == "submit") return submit_command(args);
    if (command == "rescale") return rescale_command(args);
    if (command == "ingest") return ingest_command(args);
    if (command == "tail") return tail_command(args);
    if (command == "status") return status_command(args);
    if (command == "top") return top_command(args);
    if (command == "keys") return keys_command(args);
    std::cerr << "flamestream: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    // The user's to fix (usage, graph, input, an unreachable ZooKeeper, a job function that threw):
    // 2. Ours: 1.
    const bool users = dynamic_cast<const UsageError*>(&e) || dynamic_cast<const GraphError*>(&e) ||
                       dynamic_cast<const InputError*>(&e) || dynamic_cast<const ZkError*>(&e) ||
                       dynamic_cast<const KafkaError*>(&e) || dynamic_cast<const KeyError*>(&e) ||
                       dynamic_cast<const TickFailedError*>(&e);
    std::cerr << "flamestream " << command << ": " << e.what() << "\n";
    if (const auto* zk = dynamic_cast<const ZkError*>(&e); zk && zk->code() == ZkError::kNoAuth)
      std::cerr << "flamestream " << command << ": the cluster's ZooKeeper nodes belong to the holders of its key: "
                   "give it with --key-file FILE or " << kKeyFileVariable << "\n";
    return users ? 2 : 1;
  }
}
