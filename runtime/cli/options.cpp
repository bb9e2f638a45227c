#include "runtime/cli/options.h"

#include <charconv>

#include "front/source.h"

namespace flamestream {

Options::Options(const std::vector<std::string>& args, std::set<std::string> valued,
                 std::set<std::string> flags) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const auto eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (flags.contains(name)) {
      if (inline_value) throw UsageError("option --" + name + " takes no value");
      flags_.insert(name);
    } else if (valued.contains(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) throw UsageError("option --" + name + " needs a value");
        value = args[++i];
      }
      values_[name].push_back(value);
    } else {
      throw UsageError("unknown option --" + name);
    }
  }
}

std::string Options::value(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> Options::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::uint64_t Options::unsigned_value(const std::string& name, std::uint64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string text = value(name, "");
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    throw UsageError("option --" + name + " needs a non-negative integer, got '" + text + "'");
  return v;
}

std::size_t Options::max_line_bytes() const {
  // Up to 1 GiB: an ingestion log record's length has 32 bits, and a line costs its worker a few
  // hundred bytes a byte while it is in flight.
  const std::uint64_t mib = unsigned_value("max-line-mib", kDefaultMaxLineBytes >> 20);
  if (mib == 0 || mib > 1024) throw UsageError("--max-line-mib must be between 1 and 1024");
  return static_cast<std::size_t>(mib) << 20;
}

}  // namespace flamestream
