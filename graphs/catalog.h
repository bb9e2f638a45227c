// The catalog of named example jobs that `flamestream run GRAPH` and the tests use.
//
// A job is a logical graph plus how to read its input lines and print its released payloads. Every
// job has one front and one sink. Parameters are strings validated by the job that owns them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flamestream/job.h"

namespace flamestream {

const std::vector<GraphSpec>& graph_catalog();

// Adds the graphs of a loaded job library to `scope`, so make_job finds them there. Throws
// GraphError naming the library and the graph when a name is already taken (by the catalog or
// another library of the scope); then nothing is added. The command line's libraries share the
// empty scope; a stored job's scope is its hash, so two versions of one job can be loaded at once.
void add_library_graphs(const std::string& library, const std::vector<GraphSpec>& graphs,
                        const std::string& scope = {});

// The graphs added by add_library_graphs, in the order they were added.
std::vector<GraphSpec> library_graphs();

// Builds a job by name (the catalog's, then the loaded libraries'). Throws GraphError listing the valid graphs (unknown name) or the valid
// params (unknown param), or naming the param and its bad value.
// `scope`: the job libraries to look in besides the catalog (see add_library_graphs).
Job make_job(std::string_view name, const Params& given = {}, const std::string& scope = {});

// Key of the paper's example: 0 for even integers, 1 for odd ones.
Value parity(const Value& v);

// The specs of each job in the catalog (one per file).
GraphSpec wordcount_spec();
GraphSpec paper_grouping_spec();
GraphSpec chained_groupings_spec();
GraphSpec replay_filter_spec();
GraphSpec inverted_index_spec();

}  // namespace flamestream
