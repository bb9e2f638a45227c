#include "runtime/cluster/link_report.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

namespace flamestream {

namespace {

bool same(const std::vector<SilentLink>& a, const std::vector<SilentLink>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const SilentLink& x, const SilentLink& y) {
    return x.peer == y.peer && x.since_ms == y.since_ms;
  });
}

std::string clock_time(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &local);
  return text;
}

}  // namespace

void LinkReport::publish(ZkClient& zk, std::vector<SilentLink> silent) {
  std::sort(silent.begin(), silent.end(), [](const SilentLink& a, const SilentLink& b) { return a.peer < b.peer; });
  if (known_ && same(silent, written_)) return;
  const std::string path = std::string(kLinksPath) + "/" + name_;
  known_ = false;
  if (silent.empty()) {
    if (zk.exists(path)) zk.remove(path);
  } else {
    nlohmann::json entries = nlohmann::json::array();
    for (const SilentLink& s : silent) entries.push_back({{"peer", s.peer}, {"since_ms", s.since_ms}});
    const std::string data = nlohmann::json{{"silent", entries}}.dump();
    zk.ensure_path(kLinksPath);
    if (zk.exists(path)) {
      zk.set(path, data);
    } else {
      zk.create(path, data, ZkMode::ephemeral);
    }
  }
  written_ = std::move(silent);
  known_ = true;
}

std::map<std::string, std::vector<SilentLink>> read_silent_links(ZkClient& zk) {
  std::map<std::string, std::vector<SilentLink>> links;
  if (!zk.exists(kLinksPath)) return links;
  for (const std::string& name : zk.children(kLinksPath)) {
    const auto data = zk.get(std::string(kLinksPath) + "/" + name);
    if (!data) continue;  // gone between the two reads
    const auto doc = nlohmann::json::parse(*data, nullptr, false);
    if (doc.is_discarded() || !doc.contains("silent") || !doc["silent"].is_array()) continue;
    for (const auto& entry : doc["silent"]) {
      if (!entry.is_object() || !entry.contains("peer") || !entry["peer"].is_string()) continue;
      links[name].push_back({entry["peer"].get<std::string>(), entry.value("since_ms", std::int64_t{0})});
    }
  }
  return links;
}

void print_silent_links(std::ostream& out, const std::map<std::string, std::vector<SilentLink>>& links,
                        const std::set<std::string>& registered, std::int64_t now_ms) {
  std::size_t count = 0;
  for (const auto& [name, silent] : links) count += silent.size();
  if (count == 0) {
    out << "links: no silent link reported\n";
    return;
  }
  out << "links: " << count << " silent\n";
  for (const auto& [name, silent] : links)
    for (const SilentLink& s : silent)
      out << "  link " << name << " -> " << s.peer << " silent since " << clock_time(s.since_ms) << " ("
          << std::max<std::int64_t>(0, (now_ms - s.since_ms) / 1000) << " s"
          << (registered.count(s.peer) ? "" : "; " + s.peer + " is not registered") << ")\n";
}

}  // namespace flamestream
