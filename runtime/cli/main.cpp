// The flamestream command line: dispatches to a subcommand and maps errors to exit codes.
#include <iostream>
#include <string>
#include <vector>

#include "model/errors.h"
#include "runtime/cli/options.h"
#include "runtime/cli/run_command.h"

namespace {

const char* kUsage =
    "usage: flamestream COMMAND [options]\n"
    "\n"
    "A stream processor with optimistic grouping and deterministic, exactly-once output.\n"
    "\n"
    "commands:\n"
    "  run GRAPH     run a catalog job over an input (see flamestream run --help)\n"
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
    std::cerr << "flamestream: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "flamestream " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const GraphError& e) {
    std::cerr << "flamestream " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const InputError& e) {
    std::cerr << "flamestream " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const InternalError& e) {
    std::cerr << "flamestream " << command << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "flamestream " << command << ": " << e.what() << "\n";
    return 1;
  }
}
