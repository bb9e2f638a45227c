#include "model/errors.h"

namespace flamestream {

void on_internal_error(const std::string& what) {
  throw InternalError("internal error: " + what);
}

}  // namespace flamestream
