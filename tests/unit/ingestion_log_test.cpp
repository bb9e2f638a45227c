// The ingestion log: replay returns exactly what was appended, with its timestamps, across
// reopening; a torn tail is cut, damage elsewhere stops with an error; truncation bounds it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "front/ingestion_log.h"

namespace flamestream {
namespace {

class IngestionLogTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("fs-ingest-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".log");
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::filesystem::path path_;
  static inline int counter_ = 0;
};

std::vector<std::string> lines_of(const std::vector<IngestionLog::Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(std::to_string(r.ts) + ":" + r.line);
  return out;
}

TEST_F(IngestionLogTest, ReplaysWhatWasAppendedAcrossReopening) {
  {
    IngestionLog log(path_);
    log.append(10, "first line");
    log.append(11, "");
    log.append(25, std::string("nul\0inside", 10));
    log.sync();
  }
  IngestionLog log(path_);
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.last_ts(), 25u);
  const auto all = log.read_from(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].line, std::string("nul\0inside", 10));
  EXPECT_EQ(lines_of(log.read_from(11)), (std::vector<std::string>{"11:", "25:" + all[2].line}));
  log.append(30, "after reopening");
  EXPECT_EQ(log.read_from(26).size(), 1u);
}

TEST_F(IngestionLogTest, ATornLastRecordIsCutOff) {
  {
    IngestionLog log(path_);
    log.append(1, "kept");
    log.append(2, "torn by a crash");
  }
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) - 3);
  IngestionLog log(path_);
  EXPECT_EQ(lines_of(log.read_from(0)), (std::vector<std::string>{"1:kept"}));
  log.append(2, "written again");
  EXPECT_EQ(IngestionLog(path_).size(), 2u);
}

TEST_F(IngestionLogTest, DamageBeforeTheEndIsAnError) {
  {
    IngestionLog log(path_);
    log.append(1, "first");
    log.append(2, "second");
  }
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(22);  // inside the first record's line
    f.put('X');
  }
  EXPECT_THROW(IngestionLog log(path_), IngestionLogError);
}

TEST_F(IngestionLogTest, TruncateBelowKeepsTheRest) {
  IngestionLog log(path_);
  for (Timestamp t = 1; t <= 10; ++t) log.append(t, "line " + std::to_string(t));
  const auto before = std::filesystem::file_size(path_);
  log.truncate_below(8);
  EXPECT_LT(std::filesystem::file_size(path_), before);
  EXPECT_EQ(lines_of(log.read_from(0)), (std::vector<std::string>{"8:line 8", "9:line 9", "10:line 10"}));
  log.append(11, "line 11");
  EXPECT_EQ(IngestionLog(path_).size(), 4u);
}

}  // namespace
}  // namespace flamestream
