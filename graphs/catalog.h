// The catalog of named example jobs that `flamestream run GRAPH` and the tests use.
//
// A job is a logical graph plus how to read its input lines and print its released payloads. Every
// job has one front and one sink. Parameters are strings validated by the job that owns them.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/graph.h"

namespace flamestream {

using Params = std::map<std::string, std::string, std::less<>>;

struct Job {
  LogicalGraph graph;
  // One input line to the payload fed to the front; throws InputError saying what is wrong.
  std::function<Value(std::string_view line)> parse;
  // Appends the text of one released payload, without a newline.
  std::function<void(const Value& payload, std::string& out)> format;
};

struct ParamSpec {
  std::string name;
  std::string default_value;
  std::string help;
};

struct GraphSpec {
  std::string name;
  std::string summary;
  std::vector<ParamSpec> params;
  std::function<Job(const Params& params)> make;  // params hold every declared name
};

const std::vector<GraphSpec>& graph_catalog();

// Builds a job by name. Throws GraphError listing the valid graphs (unknown name) or the valid
// params (unknown param), or naming the param and its bad value.
Job make_job(std::string_view name, const Params& given = {});

// A positive integer parameter; throws GraphError naming it.
std::size_t positive_param(const Params& params, const std::string& name);

// Parses a whole line as a base-10 int64; throws InputError on anything else.
Value parse_int_line(std::string_view line);

// Key of the paper's example: 0 for even integers, 1 for odd ones.
Value parity(const Value& v);

// Prints a value in its stable text form.
void format_text(const Value& payload, std::string& out);

// The specs of each job in the catalog (one per file).
GraphSpec wordcount_spec();
GraphSpec paper_grouping_spec();
GraphSpec chained_groupings_spec();
GraphSpec replay_filter_spec();
GraphSpec inverted_index_spec();

}  // namespace flamestream
