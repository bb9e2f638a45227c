// What a job is, and the versioned C entry point a job library exports.
//
// A job is a logical graph plus how to read its input lines and print its released payloads; a
// GraphSpec names one and builds it from string params. The catalog's graphs and a library's
// graphs are the same GraphSpec. Invariant: a library's JobLibrary starts with api_version, which
// the loader reads before anything else and refuses unless it equals kJobApiVersion.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/errors.h"
#include "model/graph.h"

namespace flamestream {

// A job's parameters, by name; a GraphSpec's make() gets every declared name (defaults filled in).
using Params = std::map<std::string, std::string, std::less<>>;

// A built job: the graph, how a line becomes the front's payload, how a released payload prints.
struct Job {
  LogicalGraph graph;
  // One input line to the payload fed to the front; throws InputError saying what is wrong.
  std::function<Value(std::string_view line)> parse;
  // Appends the text of one released payload, without a newline.
  std::function<void(const Value& payload, std::string& out)> format;
};

// One declared parameter: its name, its default and one line of help.
struct ParamSpec {
  std::string name;
  std::string default_value;
  std::string help;
};

// A named graph: what `flamestream run GRAPH` and a tick's "graph" name.
struct GraphSpec {
  std::string name;
  std::string summary;
  std::vector<ParamSpec> params;
  std::function<Job(const Params& params)> make;  // params hold every declared name
};

// The interface version of this header. A change to any type above (or to Value, the operations
// or the builder) that breaks a compiled library raises it.
inline constexpr int kJobApiVersion = 1;

// What a job library's entry point returns. api_version stays the first member in every version.
struct JobLibrary {
  int api_version = kJobApiVersion;
  std::string name;                // the job's name, used in messages
  std::vector<GraphSpec> graphs;   // each name unique across the catalog and loaded libraries
};

// A positive integer parameter; throws GraphError naming it.
std::size_t positive_param(const Params& params, const std::string& name);

// Parses a whole line as a base-10 int64; throws InputError on anything else.
Value parse_int_line(std::string_view line);

// Prints a value in its stable text form.
void format_text(const Value& payload, std::string& out);

}  // namespace flamestream

// The symbol the loader looks up in a job library.
#define FLAMESTREAM_JOB_ENTRY "flamestream_job"

// Defines the entry point of a job library: FLAMESTREAM_JOB("name", spec_a(), spec_b()).
#define FLAMESTREAM_JOB(NAME, ...)                                                       \
  extern "C" __attribute__((visibility("default"))) const ::flamestream::JobLibrary*   \
  flamestream_job() {                                                                   \
    static const ::flamestream::JobLibrary library{::flamestream::kJobApiVersion, NAME, \
                                                   {__VA_ARGS__}};                      \
    return &library;                                                                    \
  }
