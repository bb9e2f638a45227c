// Typed errors at the edges and the one path for broken invariants.
//
// GraphError: a logical graph that cannot run (names the node). InputError: a payload the job cannot
// accept (names the line). InternalError: an invariant of the model itself broke; it is never the
// user's fault, and on_internal_error is the only place that raises it, so a debugger can stop there.
#pragma once

#include <stdexcept>
#include <string>

namespace flamestream {

class GraphError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ValueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void on_internal_error(const std::string& what);

// Checks an invariant that holds unless the code itself is wrong; `reason` says why it must hold.
inline void check_invariant(bool holds, const char* reason) {
  if (!holds) on_internal_error(reason);
}

}  // namespace flamestream
