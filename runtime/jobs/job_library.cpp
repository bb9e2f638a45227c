// Loads job libraries with dlopen and adds their graphs to the catalog lookup.
#include "runtime/jobs/job_library.h"

#include <dlfcn.h>

#include <fstream>
#include <map>
#include <mutex>

#include "flamestream/job.h"
#include "graphs/catalog.h"

namespace flamestream {

namespace {

std::string dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

bool has_elf_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

void* open_library(const std::string& path) {
  if (!std::ifstream(path)) throw JobLibraryError(path + ": cannot read the file");
  if (!has_elf_magic(path)) throw JobLibraryError(path + ": not a shared library (no ELF header)");
  // A path without a slash would be searched for in the library path, not opened as given.
  const std::string as_given = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(as_given.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw JobLibraryError(path + ": cannot load it as a shared library: " + dl_error());
  return handle;
}

const JobLibrary& entry_of(void* handle, const std::string& path) {
  dlerror();
  void* symbol = dlsym(handle, FLAMESTREAM_JOB_ENTRY);
  if (!symbol)
    throw JobLibraryError(path + ": no entry point '" FLAMESTREAM_JOB_ENTRY
                          "' (define one with FLAMESTREAM_JOB from flamestream/job.h)");
  using Entry = const JobLibrary* (*)();
  const JobLibrary* library = reinterpret_cast<Entry>(symbol)();
  if (!library) throw JobLibraryError(path + ": its entry point returned no job");
  if (library->api_version != kJobApiVersion)
    throw JobLibraryError(path + ": built for job API version " +
                          std::to_string(library->api_version) + ", this flamestream has version " +
                          std::to_string(kJobApiVersion) + " (rebuild the library against it)");
  return *library;
}

// Builds each graph with its defaults: a graph the builder rejects fails here, before it is added.
void check_graphs(const JobLibrary& library, const std::string& path) {
  if (library.graphs.empty()) throw JobLibraryError(path + ": the library defines no graph");
  for (const GraphSpec& spec : library.graphs) {
    if (spec.name.empty() || !spec.make) throw JobLibraryError(path + ": a graph without a name or a make function");
    Params params;
    for (const ParamSpec& p : spec.params) params[p.name] = p.default_value;
    try {
      spec.make(params);
    } catch (const std::exception& e) {
      throw JobLibraryError(path + ": graph '" + spec.name + "' is rejected: " + e.what());
    }
  }
}

}  // namespace

LoadedJob load_job_library(const std::string& path, const std::string& scope) {
  static std::mutex mutex;
  static std::map<std::string, LoadedJob> by_path;
  std::lock_guard lock(mutex);
  const std::string key = scope + "/" + path;
  if (auto it = by_path.find(key); it != by_path.end()) return it->second;
  void* handle = open_library(path);
  try {
    const JobLibrary& library = entry_of(handle, path);
    check_graphs(library, path);
    add_library_graphs(path, library.graphs, scope);
    LoadedJob loaded{path, library.name, {}};
    for (const GraphSpec& spec : library.graphs) loaded.graphs.push_back(spec.name);
    return by_path[key] = loaded;
  } catch (const GraphError& e) {
    dlclose(handle);
    if (dynamic_cast<const JobLibraryError*>(&e)) throw;
    throw JobLibraryError(e.what());
  }
}

std::string describe_job_library(const LoadedJob& job) {
  std::string s = "job '" + job.name + "' (" + job.path + ")\n\ngraphs:\n";
  for (const GraphSpec& g : library_graphs()) {
    bool ours = false;
    for (const std::string& name : job.graphs) ours = ours || name == g.name;
    if (!ours) continue;
    s += "  " + g.name + std::string(g.name.size() < 18 ? 18 - g.name.size() : 1, ' ') + g.summary + "\n";
    for (const ParamSpec& p : g.params)
      s += "      --param " + p.name + "=V   " + p.help + " (default " + p.default_value + ")\n";
  }
  return s;
}

}  // namespace flamestream
