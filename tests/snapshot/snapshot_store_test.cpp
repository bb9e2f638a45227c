// Snapshot files: round trip, atomic replacement, pruning, and corruption detected by checksum.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "snapshot/snapshot_store.h"

namespace flamestream {
namespace {

class SnapshotStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fs-snap-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void flip_byte(const std::filesystem::path& path, std::size_t at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(c ^ 0x20));
  }

  std::filesystem::path dir_;
  static inline int counter_ = 0;
};

TEST_F(SnapshotStoreTest, RoundTripsBytesIncludingNuls) {
  SnapshotStore store(dir_);
  const std::string bytes("state\0with\0nuls", 15);
  store.write(7, bytes);
  EXPECT_EQ(store.read(7), bytes);
  EXPECT_EQ(store.read(8), std::nullopt);
  store.write(7, "replaced");
  EXPECT_EQ(store.read(7), "replaced");
  EXPECT_FALSE(std::filesystem::exists(store.path_of(7).string() + ".tmp"));
}

TEST_F(SnapshotStoreTest, ListsAndPrunesOlderTicks) {
  SnapshotStore store(dir_);
  for (std::uint64_t t : {3u, 1u, 12u, 5u}) store.write(t, "s" + std::to_string(t));
  std::ofstream(dir_ / "unrelated.txt") << "x";
  EXPECT_EQ(store.ticks(), (std::vector<std::uint64_t>{1, 3, 5, 12}));
  store.prune_below(5);
  EXPECT_EQ(store.ticks(), (std::vector<std::uint64_t>{5, 12}));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "unrelated.txt"));
}

TEST_F(SnapshotStoreTest, EveryFlippedByteIsDetected) {
  SnapshotStore store(dir_);
  std::string bytes(300, '\0');
  std::mt19937 rng(1);
  for (char& c : bytes) c = static_cast<char>(rng());
  store.write(1, bytes);
  const auto size = std::filesystem::file_size(store.path_of(1));
  for (std::size_t at = 0; at < size; ++at) {
    flip_byte(store.path_of(1), at);
    EXPECT_THROW(store.read(1), SnapshotError) << "flipped byte " << at << " went unnoticed";
    flip_byte(store.path_of(1), at);  // flipped back: whole again
  }
  EXPECT_EQ(store.read(1), bytes);
}

TEST_F(SnapshotStoreTest, TruncationIsDetectedAndNamed) {
  SnapshotStore store(dir_);
  store.write(2, std::string(100, 'x'));
  std::filesystem::resize_file(store.path_of(2), 60);
  try {
    store.read(2);
    FAIL() << "a truncated snapshot was read";
  } catch (const SnapshotError& e) {
    EXPECT_NE(std::string(e.what()).find(store.path_of(2).string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flamestream
