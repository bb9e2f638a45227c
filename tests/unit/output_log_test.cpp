// The sink's output log: a release at or below the last meta on record is skipped (the replay after
// a recovery), lines and the last meta survive reopening, a torn tail is cut, damage is an error.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sink/output_log.h"

namespace flamestream {
namespace {

// Every line of `log`, from the first.
std::vector<std::string> all_lines(const OutputLog& log) { return log.lines(0, log.size()); }

// A released item: child `child` of the input at `ts`, out of a grouping at `version`.
Meta meta(Timestamp ts, std::uint32_t child = 1, std::uint32_t version = 1) {
  return Meta{{ts, 0}, {LocalTime{0, child}, LocalTime{version, 0}}};
}

// Releases lines 1..count (numbered), flushing every `flush_every` lines (0: only at the end).
std::vector<std::string> release_numbered(OutputLog& log, Timestamp count, Timestamp flush_every) {
  std::vector<std::string> released;
  for (Timestamp ts = 1; ts <= count; ++ts) {
    released.push_back("a line of some length, number " + std::to_string(ts));
    EXPECT_TRUE(log.release(meta(ts), released.back()));
    if (flush_every != 0 && ts % flush_every == 0) log.flush();
  }
  log.flush();
  return released;
}

// The lines of `released` from `first` on.
std::vector<std::string> from_line(const std::vector<std::string>& released, std::uint64_t first) {
  return {released.begin() + static_cast<std::ptrdiff_t>(first), released.end()};
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class OutputLogTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("fs-output-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".out");
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    std::filesystem::remove(path_);
    std::filesystem::remove(path_.string() + ".retained");
  }

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
  EXPECT_EQ(all_lines(log), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_TRUE(log.last());
  EXPECT_EQ(*log.last(), meta(20, 1, 0));  // kept without its version
  EXPECT_FALSE(log.release(meta(10, 2), "b"));  // the replay: already written
  EXPECT_FALSE(log.release(meta(20), "c"));
  EXPECT_TRUE(log.release(meta(30), "d"));
  log.flush();
  EXPECT_EQ(all_lines(OutputLog(path_)), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(OutputLogTest, ReleasesReachTheFileOnFlushOrClose) {
  {
    OutputLog log(path_);
    EXPECT_TRUE(log.release(meta(10), "a"));
    EXPECT_TRUE(log.release(meta(20), "b"));
    EXPECT_EQ(std::filesystem::file_size(path_), 0u);  // buffered: one write per batch
    EXPECT_EQ(all_lines(log), (std::vector<std::string>{"a", "b"}));
    log.flush();
    log.sync();
    EXPECT_EQ(all_lines(OutputLog(path_)), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(log.release(meta(30), "c"));
  }
  EXPECT_EQ(all_lines(OutputLog(path_)), (std::vector<std::string>{"a", "b", "c"}));
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
  EXPECT_EQ(all_lines(log), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(OutputLogTest, ATornLastFrameIsCut) {
  {
    OutputLog log(path_);
    log.release(meta(1), "kept");
    log.flush();
    log.release(meta(2), "torn");
  }
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) - 2);
  OutputLog log(path_);
  EXPECT_EQ(all_lines(log), (std::vector<std::string>{"kept"}));
  EXPECT_TRUE(log.release(meta(2), "torn"));
  log.flush();
  EXPECT_EQ(all_lines(OutputLog(path_)), (std::vector<std::string>{"kept", "torn"}));
}

TEST_F(OutputLogTest, AMagicTornAtCreationReadsAsEmpty) {
  write_bytes(path_, std::string("FSOU"));
  OutputLog log(path_);
  EXPECT_EQ(log.size(), 0u);
  EXPECT_TRUE(log.release(meta(1), "a"));
  log.flush();
  EXPECT_EQ(all_lines(OutputLog(path_)), (std::vector<std::string>{"a"}));
}

TEST_F(OutputLogTest, AFileOfAnotherFormatIsAnError) {
  write_bytes(path_, std::string(64, 'x'));
  EXPECT_THROW(OutputLog log(path_), OutputLogError);
}

TEST_F(OutputLogTest, DamageBeforeTheEndIsAnError) {
  {
    OutputLog log(path_);
    log.release(meta(1), "first");
    log.flush();
    log.release(meta(2), "second");
  }
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 + 12 + 4);  // inside the first frame's body
    f.put('X');
  }
  EXPECT_THROW(OutputLog log(path_), OutputLogError);
}

// What a line costs on disk beyond its text: word count's releases (the words of one input line
// share its time and differ in the split's child id) cost a few bytes each, not a meta.
TEST_F(OutputLogTest, AReleasedLineCostsItsTextAndAFewBytes) {
  std::size_t text = 0;
  std::size_t lines = 0;
  {
    OutputLog log(path_);
    for (Timestamp ts = 1; ts <= 1000; ++ts) {
      for (std::uint32_t word = 0; word < 10; ++word) {
        const Trace trace{{0, 0}, {0, word}, {0, 0}, {0, 0}, {1, 0}, {0, 0}, {0, 0}, {0, 0}};
        const std::string line = "word" + std::to_string(word) + "\t" + std::to_string(ts);
        ASSERT_TRUE(log.release(Meta{{ts * 10, 0}, trace}, line));
        text += line.size() + 1;  // as printed, with its newline
        ++lines;
      }
      if (ts % 50 == 0) log.flush();
    }
  }
  const auto bytes = std::filesystem::file_size(path_);
  std::printf("output log: %zu lines, %zu bytes of text, %ju bytes on disk (%.2fx, %.1f bytes a line beyond the text)\n",
              lines, text, static_cast<std::uintmax_t>(bytes), static_cast<double>(bytes) / static_cast<double>(text),
              static_cast<double>(bytes - text) / static_cast<double>(lines));
  EXPECT_LE(static_cast<double>(bytes), 1.5 * static_cast<double>(text));
  OutputLog reopened(path_);
  EXPECT_EQ(reopened.size(), lines);
  ASSERT_TRUE(reopened.last());
  EXPECT_EQ(reopened.last()->time.ts, 10000u);
  EXPECT_EQ(reopened.last()->trace[1].child, 9u);
}

// Retention: the file keeps about retain_bytes of frames; older lines are gone from the disk (a hole)
// and from reads, line numbers stay, and reopening keeps both the numbers and the last meta.
TEST_F(OutputLogTest, RetentionKeepsTheNewestBytesAndTheLineNumbers) {
  constexpr std::uint64_t kRetain = 64 << 10;
  std::vector<std::string> released;
  {
    OutputLog log(path_, 100, kRetain);
    released = release_numbered(log, 40000, 100);
    EXPECT_GT(log.first_line(), 0u);
    EXPECT_LE(log.retained_bytes(), kRetain);
    EXPECT_EQ(log.size(), released.size());
    const auto first = log.first_line();
    EXPECT_EQ(log.lines(0, 3), std::vector<std::string>(released.begin() + static_cast<std::ptrdiff_t>(first),
                                                        released.begin() + static_cast<std::ptrdiff_t>(first + 3)))
        << "a read from before the first kept line starts at it";
  }
  struct stat st{};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  std::printf("retention: file size %jd, %jd bytes on disk, %ju kept\n", static_cast<std::intmax_t>(st.st_size),
              static_cast<std::intmax_t>(st.st_blocks) * 512, static_cast<std::uintmax_t>(kRetain));
  EXPECT_LT(static_cast<std::uint64_t>(st.st_blocks) * 512, 3 * kRetain) << "the dropped frames' blocks were not freed";
  OutputLog reopened(path_, 100, kRetain);
  EXPECT_EQ(reopened.size(), released.size());
  EXPECT_GT(reopened.first_line(), 0u);
  EXPECT_EQ(reopened.lines(reopened.first_line(), released.size()), from_line(released, reopened.first_line()));
  EXPECT_FALSE(reopened.release(meta(40000), released.back())) << "the last meta survives retention";
  EXPECT_TRUE(reopened.release(meta(40001), "next"));
}

// A long release with no flush in between (the minimal time jumped far) still leaves about
// retain_bytes behind, and every line kept reads back as released: with retention, frames end
// by themselves at a small part of retain_bytes, each numbered from its own first line.
TEST_F(OutputLogTest, RetentionKeepsAboutItsBytesAfterOneLongRelease) {
  // Retention frees whole index steps (1,024 lines, ~40 KB here) too: it keeps at least
  // retain_bytes less one step and one frame.
  constexpr std::uint64_t kRetain = 1 << 20;
  OutputLog log(path_, 3, kRetain);
  const std::vector<std::string> released = release_numbered(log, 60000, 0);
  EXPECT_GT(log.first_line(), 0u);
  EXPECT_LE(log.retained_bytes(), kRetain);
  EXPECT_GT(log.retained_bytes(), kRetain * 3 / 4) << "retention freed far more than it had to";
  EXPECT_EQ(log.lines(log.first_line(), released.size()), from_line(released, log.first_line()));
}

TEST_F(OutputLogTest, OldLinesAreReadBackFromTheFile) {
  std::vector<std::string> released;
  {
    OutputLog log(path_, 3);  // three lines in memory
    for (Timestamp ts = 1; ts <= 2500; ++ts) {
      released.push_back("line " + std::to_string(ts));
      ASSERT_TRUE(log.release(meta(ts), released.back()));
      if (ts % 100 == 0) log.flush();
    }
    log.flush();
    EXPECT_EQ(all_lines(log), released);
    // Any window, across the sparse index's steps (every 1,024 lines) and the memory's edge.
    for (const std::uint64_t from : {0ull, 1023ull, 1024ull, 2040ull, 2496ull, 2499ull}) {
      const auto got = log.lines(from, 30);
      const auto end = std::min<std::uint64_t>(from + 30, released.size());
      EXPECT_EQ(got, std::vector<std::string>(released.begin() + static_cast<std::ptrdiff_t>(from),
                                              released.begin() + static_cast<std::ptrdiff_t>(end)))
          << "from line " << from;
    }
    EXPECT_TRUE(log.lines(2500, 10).empty());
  }
  OutputLog reopened(path_, 3);
  EXPECT_EQ(reopened.size(), released.size());
  EXPECT_EQ(all_lines(reopened), released);
}

TEST_F(OutputLogTest, LinesNotFlushedYetAreServedOnlyFromMemory) {
  OutputLog log(path_, 2);
  for (Timestamp ts = 1; ts <= 5; ++ts) log.release(meta(ts), "l" + std::to_string(ts));
  // Lines 0..2 are no longer in memory and not in the file yet: the reader gets nothing rather
  // than a gap, and everything once they are flushed.
  EXPECT_TRUE(log.lines(0, 5).empty());
  EXPECT_EQ(log.lines(3, 5), (std::vector<std::string>{"l4", "l5"}));
  log.flush();
  EXPECT_EQ(log.lines(0, 5), (std::vector<std::string>{"l1", "l2", "l3", "l4", "l5"}));
}

TEST(OutputLogMemory, WithoutAPathNothingIsWrittenButReleasesStillDeduplicate) {
  OutputLog log;
  EXPECT_TRUE(log.release(meta(5), "x"));
  EXPECT_FALSE(log.release(meta(5), "x"));
  EXPECT_EQ(log.size(), 1u);
}

}  // namespace
}  // namespace flamestream
