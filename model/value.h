// Payload values: null, bool, int64, double, string and tuple.
//
// Values are immutable once built; a tuple shares its elements, so copying a value (grouping copies
// every item into several windows) never copies a tuple's contents. The text form is stable: it is
// what sinks print and what tests compare, so it must not depend on the platform.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flamestream {

class Value {
 public:
  using Tuple = std::vector<Value>;
  enum class Kind : std::uint8_t { null, boolean, integer, real, string, tuple };

  Value() = default;
  Value(bool b) : v_(b) {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Value(T i) : v_(static_cast<std::int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  static Value tuple(Tuple elements);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::null; }

  // Accessors throw ValueError naming the expected and actual kind.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_double() const;
  const std::string& as_string() const;
  const Tuple& as_tuple() const;

  std::string to_text() const;
  void append_text(std::string& out) const;

  // xxHash of a canonical encoding: equal values hash equal on every platform and run.
  std::uint64_t hash() const;

  friend bool operator==(const Value& a, const Value& b);
  friend std::strong_ordering operator<=>(const Value& a, const Value& b);

 private:
  using Repr = std::variant<std::monostate, bool, std::int64_t, double, std::string,
                            std::shared_ptr<const Tuple>>;
  Repr v_;
};

const char* kind_name(Value::Kind kind);

struct ValueHash {
  std::size_t operator()(const Value& v) const { return static_cast<std::size_t>(v.hash()); }
};

}  // namespace flamestream
