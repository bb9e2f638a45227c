// A small command-line option parser shared by the flamestream subcommands.
//
// Accepts `--name VALUE`, `--name=VALUE`, repeated options and positional arguments. Unknown
// options and missing values raise UsageError naming the option, which the CLI turns into exit 2.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace flamestream {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Options {
 public:
  // `valued`: options that take a value; `flags`: options that do not (e.g. --help).
  Options(const std::vector<std::string>& args, std::set<std::string> valued,
          std::set<std::string> flags);

  bool flag(const std::string& name) const { return flags_.contains(name); }
  bool has(const std::string& name) const { return values_.contains(name); }
  // The last value given for `name`, or `fallback`.
  std::string value(const std::string& name, const std::string& fallback) const;
  std::vector<std::string> all(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  std::uint64_t unsigned_value(const std::string& name, std::uint64_t fallback) const;
  // --max-line-mib, in bytes: the longest input line a front takes (default kDefaultMaxLineBytes).
  std::size_t max_line_bytes() const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

}  // namespace flamestream
