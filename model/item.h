// An item: payload plus meta, and the tombstone flag.
//
// A tombstone cancels an earlier item with the same meta and payload. It is how a replay takes back a
// window it superseded even when a downstream filter would drop the replacement (the hole in the
// paper's invalidation, DESIGN.md §1). Stateless operations treat a tombstone like its item and keep
// the flag, so it follows exactly the route of the item it cancels.
#pragma once

#include "model/meta.h"
#include "model/value.h"

namespace flamestream {

struct Item {
  Value payload;
  Meta meta;
  bool tombstone = false;
};

}  // namespace flamestream
