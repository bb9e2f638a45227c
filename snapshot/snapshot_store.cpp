#include "snapshot/snapshot_store.h"

#include "snapshot/durable_file.h"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace flamestream {

namespace {

constexpr char kMagic[8] = {'F', 'S', 'S', 'N', 'A', 'P', '0', '1'};
constexpr std::size_t kHeader = sizeof kMagic + 8 + 8;  // magic, length, xxh64 of the contents
constexpr const char* kPrefix = "tick-";
constexpr const char* kSuffix = ".snap";

}  // namespace

SnapshotStore::SnapshotStore(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw SnapshotError("cannot create snapshot dir '" + dir_.string() + "': " + ec.message());
}

std::filesystem::path SnapshotStore::path_of(std::uint64_t tick) const {
  return dir_ / (kPrefix + std::to_string(tick) + kSuffix);
}

void SnapshotStore::write(std::uint64_t tick, const std::string& bytes) {
  std::string file(kMagic, sizeof kMagic);
  put_le(file, bytes.size());
  put_le(file, XXH64(bytes.data(), bytes.size(), 0));
  file += bytes;
  try {
    write_file_atomically(path_of(tick), file);
  } catch (const DurableFileError& e) {
    throw SnapshotError(std::string("cannot write snapshot: ") + e.what());
  }
}

std::optional<std::string> SnapshotStore::read(std::uint64_t tick) const {
  const auto path = path_of(tick);
  if (!std::filesystem::exists(path)) return std::nullopt;
  const std::string file = read_file(path);
  if (file.size() < kHeader || file.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0)
    throw SnapshotError("snapshot '" + path.string() + "' has no valid header");
  const std::uint64_t length = get_le(file, sizeof kMagic);
  if (length != file.size() - kHeader)
    throw SnapshotError("snapshot '" + path.string() + "' is truncated or extended: header says " +
                        std::to_string(length) + " bytes, file holds " +
                        std::to_string(file.size() - kHeader));
  std::string bytes = file.substr(kHeader);
  if (XXH64(bytes.data(), bytes.size(), 0) != get_le(file, sizeof kMagic + 8))
    throw SnapshotError("snapshot '" + path.string() + "' fails its checksum");
  return bytes;
}

std::vector<std::uint64_t> SnapshotStore::ticks() const {
  std::vector<std::uint64_t> ticks;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    const std::size_t prefix = std::strlen(kPrefix), suffix = std::strlen(kSuffix);
    if (name.size() <= prefix + suffix || name.rfind(kPrefix, 0) != 0 ||
        name.compare(name.size() - suffix, suffix, kSuffix) != 0)
      continue;
    std::uint64_t tick = 0;
    const char* begin = name.data() + prefix;
    const char* end = name.data() + name.size() - suffix;
    auto [ptr, ec] = std::from_chars(begin, end, tick);
    if (ec == std::errc() && ptr == end) ticks.push_back(tick);
  }
  std::sort(ticks.begin(), ticks.end());
  return ticks;
}

void SnapshotStore::prune_below(std::uint64_t tick) {
  for (std::uint64_t t : ticks())
    if (t < tick) std::filesystem::remove(path_of(t));
}

}  // namespace flamestream
