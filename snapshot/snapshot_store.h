// Durable, checksummed snapshot files: one per worker and committed tick, in a worker's data dir.
//
// A snapshot is written to a temporary name, fsynced, renamed into place and its directory fsynced,
// so after a crash a snapshot file is either whole or absent. Each file carries a header with its
// length and an xxHash of its contents; a file that fails the check (a flipped byte, a truncation)
// raises SnapshotError naming it — recovery must then fall back or stop, never read wrong state.
// What goes inside is the caller's business: bytes in, bytes out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace flamestream {

class SnapshotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SnapshotStore {
 public:
  // Creates `dir` if missing. Throws SnapshotError if it cannot.
  explicit SnapshotStore(std::filesystem::path dir);

  // Durably stores `bytes` as the snapshot of `tick`; replaces an earlier one of the same tick.
  void write(std::uint64_t tick, const std::string& bytes);

  // The snapshot of `tick`, nullopt if there is none; SnapshotError if it is corrupt.
  std::optional<std::string> read(std::uint64_t tick) const;

  // Ticks that have a snapshot file, ascending.
  std::vector<std::uint64_t> ticks() const;

  // Deletes every snapshot of a tick below `tick`, so disk use stays bounded.
  void prune_below(std::uint64_t tick);

  std::filesystem::path path_of(std::uint64_t tick) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace flamestream
