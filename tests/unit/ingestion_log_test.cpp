// The ingestion log: replay returns exactly what was appended, with its timestamps, across
// reopening; a torn tail is cut, damage elsewhere stops with an error; truncation deletes whole
// segments and keeps the rest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "front/ingestion_log.h"
#include "model/errors.h"

namespace flamestream {
namespace {

class IngestionLogTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("fs-ingest-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".log");
    std::filesystem::remove_all(path_);
  }
  void TearDown() override { std::filesystem::remove_all(path_); }

  // The file of segment `number`.
  std::filesystem::path segment(int number) const {
    const std::string digits = std::to_string(number);
    return path_ / (std::string(20 - digits.size(), '0') + digits + ".seg");
  }

  std::filesystem::path path_;
  static inline int counter_ = 0;
};

// Truncates `log` below `ts` and deletes the files it dropped, as the worker's storage does.
void truncate(IngestionLog& log, Timestamp ts) {
  for (const auto& path : log.truncate_below(ts)) std::filesystem::remove(path);
}

std::vector<std::string> lines_of(const std::vector<IngestionLog::Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(std::to_string(r.ts) + ":" + r.line);
  return out;
}

TEST_F(IngestionLogTest, ReplaysWhatWasAppendedAcrossReopening) {
  {
    IngestionLog log(path_);
    log.append(10, 1, "first line");
    log.append(11, 2, "");
    log.append(25, 3, std::string("nul\0inside", 10));
    log.sync();
  }
  IngestionLog log(path_);
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.last_ts(), 25u);
  const auto all = log.read_from(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].line, std::string("nul\0inside", 10));
  EXPECT_EQ(lines_of(log.read_from(11)), (std::vector<std::string>{"11:", "25:" + all[2].line}));
  EXPECT_EQ(log.next_seq(), 4u);
  log.append(30, 4, "after reopening");
  EXPECT_EQ(log.read_from(26).size(), 1u);
}

TEST_F(IngestionLogTest, PromiseRecordsComeBackInOrderAndKeepTheLineNumbers) {
  {
    IngestionLog log(path_);
    log.append_promise(5);  // a client bound the front: its times start at 5
    EXPECT_EQ(log.next_seq(), 1u);
    log.append(10, 1, "a");
    log.append_promise(40);
    log.append(41, 2, "b");
    log.sync();
  }
  IngestionLog log(path_);
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log.next_seq(), 3u);
  const auto all = log.read_from(0);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_TRUE(all[0].promise);
  EXPECT_EQ(all[0].ts, 5u);
  EXPECT_FALSE(all[1].promise);
  EXPECT_TRUE(all[2].promise);
  EXPECT_EQ(all[2].ts, 40u);
  EXPECT_EQ(all[3].line, "b");
  EXPECT_EQ(log.first_seq_from(20), 2u) << "the promise at 40 names the line after it";
}

TEST_F(IngestionLogTest, ATornLastRecordIsCutOff) {
  {
    IngestionLog log(path_);
    log.append(1, 1, "kept");
    log.append(2, 2, "torn by a crash");
  }
  std::filesystem::resize_file(segment(1), std::filesystem::file_size(segment(1)) - 3);
  IngestionLog log(path_);
  EXPECT_EQ(lines_of(log.read_from(0)), (std::vector<std::string>{"1:kept"}));
  EXPECT_EQ(log.next_seq(), 2u);
  log.append(2, 2, "written again");
  EXPECT_EQ(IngestionLog(path_).size(), 1u) << "an append reaches the file at flush()";
  log.flush();
  EXPECT_EQ(IngestionLog(path_).size(), 2u);
}

TEST_F(IngestionLogTest, DamageBeforeTheEndIsAnError) {
  {
    IngestionLog log(path_);
    log.append(1, 1, "first");
    log.append(2, 2, "second");
  }
  {
    std::fstream f(segment(1), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(31);  // inside the first record's line
    f.put('X');
  }
  EXPECT_THROW(IngestionLog log(path_), IngestionLogError);
}

TEST_F(IngestionLogTest, TruncationDeletesWholeSegmentsBelowTheTimestamp) {
  IngestionLog log(path_);
  for (Timestamp t = 1; t <= 5; ++t) log.append(t, t, "line " + std::to_string(t));
  truncate(log, 3);  // segment 1 holds 3 and up: it stays; appends go to segment 2
  EXPECT_EQ(log.segments(), 2u);
  EXPECT_TRUE(std::filesystem::exists(segment(1)));
  for (Timestamp t = 6; t <= 10; ++t) log.append(t, t, "line " + std::to_string(t));
  EXPECT_EQ(log.truncate_below(8), std::vector<std::filesystem::path>{segment(1)})
      << "segment 1 (1..5) goes; segment 2 (6..10) holds 8";
  EXPECT_TRUE(std::filesystem::exists(segment(1))) << "the caller deletes it";
  EXPECT_EQ(lines_of(log.read_from(0)).front(), "6:line 6");
  std::filesystem::remove(segment(1));
  EXPECT_EQ(log.size(), 5u);
  EXPECT_EQ(log.count_below(8), 2u);
  EXPECT_EQ(lines_of(log.read_from(8)), (std::vector<std::string>{"8:line 8", "9:line 9", "10:line 10"}));
  log.append(11, 11, "line 11");
  log.flush();
  EXPECT_TRUE(std::filesystem::exists(segment(3)));
  EXPECT_EQ(log.first_seq_from(9), 9u);
  IngestionLog reopened(path_);
  EXPECT_EQ(reopened.size(), 6u);
  EXPECT_EQ(reopened.next_seq(), 12u);
  EXPECT_EQ(lines_of(reopened.read_from(0)).front(), "6:line 6");
}

TEST_F(IngestionLogTest, AppendsAfterTruncationContinueAcrossReopening) {
  {
    IngestionLog log(path_);
    log.append(1, 1, "a");
    truncate(log, 1);
    log.append(2, 2, "b");
    truncate(log, 2);
    log.append(3, 3, "c");
    log.sync();
  }
  IngestionLog log(path_);  // segment 1 went at the second truncation
  EXPECT_EQ(lines_of(log.read_from(0)), (std::vector<std::string>{"2:b", "3:c"}));
  log.append(4, 4, "d");  // into segment 3, the newest
  truncate(log, 4);  // segment 2 goes; segment 3 holds the last record
  EXPECT_EQ(lines_of(log.read_from(0)), (std::vector<std::string>{"3:c", "4:d"}));
  EXPECT_EQ(IngestionLog(path_).next_seq(), 5u);
}

TEST_F(IngestionLogTest, ATruncatedEarlierSegmentIsDamageNotATornTail) {
  {
    IngestionLog log(path_);
    log.append(1, 1, "first");
    log.append(2, 2, "second");
    truncate(log, 1);
    log.append(3, 3, "third");
  }
  std::filesystem::resize_file(segment(1), std::filesystem::file_size(segment(1)) - 3);
  EXPECT_THROW(IngestionLog log(path_), IngestionLogError);
}

TEST_F(IngestionLogTest, APathThatIsAFileIsAnError) {
  std::ofstream(path_) << "not a directory";
  EXPECT_THROW(IngestionLog log(path_), IngestionLogError);
}

TEST_F(IngestionLogTest, TruncationKeepsTheLastRecordSoTheNextLineNumberSurvives) {
  {
    IngestionLog log(path_);
    for (Timestamp t = 1; t <= 5; ++t) log.append(t * 10, t + 100, "line");
    truncate(log, 1000);  // the only segment with records stays
    EXPECT_EQ(log.segments(), 2u);
    EXPECT_TRUE(log.read_from(1000).empty());
    truncate(log, 1000);  // nothing appended since: no third segment
    EXPECT_EQ(log.segments(), 2u);
  }
  IngestionLog log(path_);
  EXPECT_EQ(log.next_seq(), 106u);
  EXPECT_FALSE(log.closed());
}

TEST_F(IngestionLogTest, ACloseRecordEndsTheInputAcrossReopening) {
  {
    IngestionLog log(path_);
    log.append(1, 1, "only");
    log.append_close(2);
    EXPECT_TRUE(log.closed());
    EXPECT_EQ(log.next_seq(), 2u);
  }
  IngestionLog log(path_);
  EXPECT_TRUE(log.closed());
  EXPECT_EQ(log.next_seq(), 2u);
  const auto records = log.read_from(0);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[1].close);
}

TEST_F(IngestionLogTest, DeterminantsComeFromMemory) {
  IngestionLog log(path_);
  for (Timestamp t = 1; t <= 5; ++t) log.append(t * 10, t, "line");
  log.flush();
  EXPECT_EQ(log.count_below(30), 2u);
  EXPECT_EQ(log.first_seq_from(30), 3u);
  EXPECT_EQ(log.first_seq_from(31), 4u);
  EXPECT_EQ(log.first_seq_from(1000), 6u);  // nothing there yet: the next line
  truncate(log, 40);  // starts segment 2
  log.append(60, 6, "line");
  truncate(log, 60);  // segment 1 (10..50) goes
  EXPECT_EQ(log.count_below(60), 0u);
  EXPECT_EQ(log.first_seq_from(40), 6u);
  EXPECT_EQ(IngestionLog(path_).first_seq_from(60), 6u);
}

TEST_F(IngestionLogTest, LineNumbersMustIncrease) {
  IngestionLog log(path_);
  log.append(1, 5, "a");
  EXPECT_THROW(log.append(2, 5, "again"), InternalError);
  log.append_close(3);
  EXPECT_THROW(log.append(4, 6, "after the end"), InternalError);
}

}  // namespace
}  // namespace flamestream
