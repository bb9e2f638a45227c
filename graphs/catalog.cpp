#include "graphs/catalog.h"

#include <charconv>
#include <mutex>

#include "model/errors.h"

namespace flamestream {

namespace {

// Graphs of loaded job libraries: added before a job that names them is built, read by any thread.
struct LibraryGraphs {
  std::mutex mutex;
  std::vector<GraphSpec> graphs;
  std::vector<std::string> owners;  // the library of each graph
  std::vector<std::string> scopes;  // and its scope
};

LibraryGraphs& loaded() {
  static LibraryGraphs graphs;
  return graphs;
}

std::string graph_names() {
  std::string names;
  for (const GraphSpec& s : graph_catalog()) names += (names.empty() ? "" : ", ") + s.name;
  for (const GraphSpec& s : library_graphs()) names += ", " + s.name;
  return names;
}

const GraphSpec* find_in(const std::vector<GraphSpec>& specs, std::string_view name) {
  for (const GraphSpec& spec : specs)
    if (spec.name == name) return &spec;
  return nullptr;
}

// The spec named `name`, copied out of the catalog or the scope's libraries; throws GraphError.
GraphSpec find_spec(std::string_view name, const std::string& scope) {
  if (const GraphSpec* spec = find_in(graph_catalog(), name)) return *spec;
  {
    LibraryGraphs& lib = loaded();
    std::lock_guard lock(lib.mutex);
    for (std::size_t j = 0; j < lib.graphs.size(); ++j)
      if (lib.scopes[j] == scope && lib.graphs[j].name == name) return lib.graphs[j];
  }
  throw GraphError("unknown graph '" + std::string(name) + "' (valid: " + graph_names() + ")");
}

std::string param_names(const GraphSpec& spec) {
  if (spec.params.empty()) return "it takes none";
  std::string names;
  for (const ParamSpec& p : spec.params) names += (names.empty() ? "" : ", ") + p.name;
  return "valid: " + names;
}

}  // namespace

const std::vector<GraphSpec>& graph_catalog() {
  static const std::vector<GraphSpec> catalog = {wordcount_spec(), paper_grouping_spec(),
                                                 chained_groupings_spec(), replay_filter_spec(),
                                                 inverted_index_spec()};
  return catalog;
}

void add_library_graphs(const std::string& library, const std::vector<GraphSpec>& graphs,
                        const std::string& scope) {
  LibraryGraphs& lib = loaded();
  std::lock_guard lock(lib.mutex);
  for (std::size_t i = 0; i < graphs.size(); ++i) {
    const std::string& name = graphs[i].name;
    if (find_in(graph_catalog(), name))
      throw GraphError(library + ": graph '" + name + "' is already a catalog graph");
    for (std::size_t j = 0; j < lib.graphs.size(); ++j)
      if (lib.scopes[j] == scope && lib.graphs[j].name == name)
        throw GraphError(library + ": graph '" + name + "' is already defined by " + lib.owners[j]);
    for (std::size_t j = 0; j < i; ++j)
      if (graphs[j].name == name)
        throw GraphError(library + ": graph '" + name + "' is defined twice");
  }
  for (const GraphSpec& spec : graphs) {
    lib.graphs.push_back(spec);
    lib.owners.push_back(library);
    lib.scopes.push_back(scope);
  }
}

std::vector<GraphSpec> library_graphs() {
  LibraryGraphs& lib = loaded();
  std::lock_guard lock(lib.mutex);
  return lib.graphs;
}

Job make_job(std::string_view name, const Params& given, const std::string& scope) {
  const GraphSpec spec = find_spec(name, scope);
  Params params;
  for (const ParamSpec& p : spec.params) params[p.name] = p.default_value;
  for (const auto& [k, v] : given) {
    if (!params.contains(k))
      throw GraphError("graph '" + spec.name + "' has no param '" + k + "' (" + param_names(spec) + ")");
    params[k] = v;
  }
  return spec.make(params);
}

std::size_t positive_param(const Params& params, const std::string& name) {
  const std::string& text = params.at(name);
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value == 0)
    throw GraphError("param '" + name + "' must be a positive integer, got '" + text + "'");
  return value;
}

Value parse_int_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
  if (line.empty() || ec != std::errc() || ptr != line.data() + line.size())
    throw InputError("expected one integer, got '" + std::string(line.substr(0, 40)) +
                     (line.size() > 40 ? "...'" : "'"));
  return Value(value);
}

void format_text(const Value& payload, std::string& out) { payload.append_text(out); }

}  // namespace flamestream
