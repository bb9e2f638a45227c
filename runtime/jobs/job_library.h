// Loading job libraries: a shared library that exports FLAMESTREAM_JOB's entry point and whose
// graphs then run like the catalog's.
//
// Invariant: a library is either loaded whole (its graphs all added to the catalog lookup) or not
// at all, and a failure names the library and what is wrong. A loaded library stays loaded for the
// life of the process (its functions may run on any thread until then).
#pragma once

#include <string>
#include <vector>

#include "model/errors.h"

namespace flamestream {

// A job library that cannot be used: not a shared library, no entry point, another API version,
// a graph name already taken, or a graph its builder rejects. A GraphError: exit status 2.
class JobLibraryError : public GraphError {
 public:
  using GraphError::GraphError;
};

// What load_job_library added.
struct LoadedJob {
  std::string path;
  std::string name;                 // the library's JobLibrary::name
  std::vector<std::string> graphs;  // the names it added
};

// Opens the library at `path` (RTLD_NOW | RTLD_LOCAL), checks its API version, builds each graph
// with its default params (so a graph the builder rejects is refused now) and adds them to
// `scope` (add_library_graphs). Loading the same path into one scope twice returns the first
// load. Throws JobLibraryError.
LoadedJob load_job_library(const std::string& path, const std::string& scope = {});

// Lists a library's graphs and params, as `run --job LIB --help` prints them.
std::string describe_job_library(const LoadedJob& job);

}  // namespace flamestream
