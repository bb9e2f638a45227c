// The sink's output log: a release at or below the last meta on record is skipped (the replay after
// a recovery), lines and the last meta survive reopening, a torn tail is cut, damage is an error.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sink/output_log.h"

namespace flamestream {
namespace {

// A released item: child `child` of the input at `ts`, out of a grouping at `version`.
Meta meta(Timestamp ts, std::uint32_t child = 1, std::uint32_t version = 1) {
  return Meta{{ts, 0}, {LocalTime{0, child}, LocalTime{version, 0}}};
}

class OutputLogTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("fs-output-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".out");
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::filesystem::path path_;
  static inline int counter_ = 0;
};

TEST_F(OutputLogTest, AReplayedReleaseIsWrittenOnce) {
  {
    OutputLog log(path_);
    EXPECT_TRUE(log.release(meta(10), "a"));
    EXPECT_TRUE(log.release(meta(10, 2), "b"));
    EXPECT_TRUE(log.release(meta(20), "c"));
  }
  OutputLog log(path_);
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_TRUE(log.last());
  EXPECT_EQ(*log.last(), meta(20, 1, 0));  // kept without its version
  EXPECT_FALSE(log.release(meta(10, 2), "b"));  // the replay: already written
  EXPECT_FALSE(log.release(meta(20), "c"));
  EXPECT_TRUE(log.release(meta(30), "d"));
  log.flush();
  EXPECT_EQ(OutputLog(path_).lines(), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(OutputLogTest, ReleasesReachTheFileOnFlushOrClose) {
  {
    OutputLog log(path_);
    EXPECT_TRUE(log.release(meta(10), "a"));
    EXPECT_TRUE(log.release(meta(20), "b"));
    EXPECT_EQ(std::filesystem::file_size(path_), 0u);  // buffered: one write per batch
    EXPECT_EQ(log.lines(), (std::vector<std::string>{"a", "b"}));
    log.flush();
    log.sync();
    EXPECT_EQ(OutputLog(path_).lines(), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(log.release(meta(30), "c"));
  }
  EXPECT_EQ(OutputLog(path_).lines(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(OutputLogTest, AWindowReleasedAgainUnderAnotherVersionIsStillWrittenOnce) {
  {
    OutputLog log(path_);
    EXPECT_TRUE(log.release(meta(10, 1, 1), "a"));
    EXPECT_TRUE(log.release(meta(10, 2, 3), "b"));
  }
  OutputLog log(path_);
  // After a recovery the same windows come with other versions (fewer or more replays).
  EXPECT_FALSE(log.release(meta(10, 1, 4), "a"));
  EXPECT_FALSE(log.release(meta(10, 2, 1), "b"));
  EXPECT_TRUE(log.release(meta(10, 3, 2), "c"));
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(OutputLogTest, ATornLastRecordIsCut) {
  {
    OutputLog log(path_);
    log.release(meta(1), "kept");
    log.release(meta(2), "torn");
  }
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) - 2);
  OutputLog log(path_);
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"kept"}));
  EXPECT_TRUE(log.release(meta(2), "torn"));
  log.flush();
  EXPECT_EQ(OutputLog(path_).lines(), (std::vector<std::string>{"kept", "torn"}));
}

TEST_F(OutputLogTest, DamageBeforeTheEndIsAnError) {
  {
    OutputLog log(path_);
    log.release(meta(1), "first");
    log.release(meta(2), "second");
  }
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4 + 8 + 16 + 8 + 1);  // inside the first line
    f.put('X');
  }
  EXPECT_THROW(OutputLog log(path_), OutputLogError);
}

TEST(OutputLogMemory, WithoutAPathNothingIsWrittenButReleasesStillDeduplicate) {
  OutputLog log;
  EXPECT_TRUE(log.release(meta(5), "x"));
  EXPECT_FALSE(log.release(meta(5), "x"));
  EXPECT_EQ(log.lines().size(), 1u);
}

}  // namespace
}  // namespace flamestream
