#include "graphs/catalog.h"

#include <charconv>

#include "model/errors.h"

namespace flamestream {

namespace {

std::string graph_names() {
  std::string names;
  for (const GraphSpec& s : graph_catalog()) names += (names.empty() ? "" : ", ") + s.name;
  return names;
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

Job make_job(std::string_view name, const Params& given) {
  for (const GraphSpec& spec : graph_catalog()) {
    if (spec.name != name) continue;
    Params params;
    for (const ParamSpec& p : spec.params) params[p.name] = p.default_value;
    for (const auto& [k, v] : given) {
      if (!params.contains(k))
        throw GraphError("graph '" + spec.name + "' has no param '" + k + "' (" + param_names(spec) + ")");
      params[k] = v;
    }
    return spec.make(params);
  }
  throw GraphError("unknown graph '" + std::string(name) + "' (valid: " + graph_names() + ")");
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
