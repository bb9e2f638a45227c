// Clearing a buffer kept for its capacity without keeping the room of its largest burst.
//
// Scratch vectors that live as long as a worker (an operation's output level, the items parked
// before a page's groupings, a flat map's results) are cleared, not freed, so steady traffic
// allocates nothing. A single long line breaks that bargain: its 1.6 M words grow each of them
// to hundreds of megabytes that would stay taken, unused, for the rest of the run, and the state
// the line builds next could not reuse them. Past `keep` elements of room, the buffer is freed.
#pragma once

#include <cstddef>
#include <vector>

namespace flamestream {

inline constexpr std::size_t kBurstBufferKeep = std::size_t{1} << 14;

template <class T>
void clear_burst(std::vector<T>& buffer, std::size_t keep = kBurstBufferKeep) {
  if (buffer.capacity() > keep) {
    std::vector<T>().swap(buffer);
  } else {
    buffer.clear();
  }
}

}  // namespace flamestream
