// Fronts (strictly increasing global times, the next_ts promise, close) and input sources.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "front/front.h"
#include "front/source.h"
#include "model/errors.h"
#include "tests/support/text_source.h"

namespace flamestream {
namespace {

TEST(Front, StampsTheClockWhenItMovesForward) {
  Front front(3);
  EXPECT_EQ(front.id(), 3u);
  EXPECT_EQ(front.stamp(10), (GlobalTime{10, 3}));
  EXPECT_EQ(front.stamp(25), (GlobalTime{25, 3}));
  EXPECT_EQ(front.last_ts(), 25u);
}

TEST(Front, StrictlyIncreasingWhenTheClockStandsStillOrGoesBack) {
  Front front(0);
  EXPECT_EQ(front.stamp(10).ts, 10u);
  EXPECT_EQ(front.stamp(10).ts, 11u);  // clock stands still
  EXPECT_EQ(front.stamp(10).ts, 12u);
  EXPECT_EQ(front.stamp(3).ts, 13u);  // clock goes back
  EXPECT_EQ(front.stamp(0).ts, 14u);
  EXPECT_EQ(front.stamp(50).ts, 50u);
}

TEST(Front, FirstStampAtClockZeroIsZero) {
  Front front(0);
  EXPECT_EQ(front.next_ts(0), 0u);
  EXPECT_EQ(front.stamp(0).ts, 0u);
  EXPECT_EQ(front.next_ts(0), 1u);
}

// Random clocks (standing still, jumping back, jumping forward): stamps strictly increase, and
// next_ts(now) is exactly the stamp the front gives at that clock reading.
TEST(Front, RandomClocksGiveStrictlyIncreasingStampsAndNextTsPredictsThem) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    std::mt19937_64 rng(seed);
    Front front(1);
    Timestamp clock = 100, previous = 0;
    for (int i = 0; i < 500; ++i) {
      const int move = static_cast<int>(rng() % 3);
      if (move == 0) clock += rng() % 5;
      if (move == 1) clock -= std::min<Timestamp>(clock, rng() % 5);
      const Timestamp predicted = front.next_ts(clock);
      const GlobalTime t = front.stamp(clock);
      EXPECT_EQ(t.ts, predicted);
      EXPECT_EQ(t.front, 1u);
      if (i > 0) {
        ASSERT_GT(t.ts, previous) << "seed " << seed;
      }
      previous = t.ts;
    }
  }
}

// With a clock that never goes back, a reported next_ts(now) is a promise: no later stamp is lower.
TEST(Front, NextTsIsAPromiseWithAMonotoneClock) {
  std::mt19937_64 rng(7);
  Front front(0);
  Timestamp clock = 0, promised = 0;
  for (int i = 0; i < 2000; ++i) {
    clock += rng() % 3;
    if (rng() % 2) {
      ASSERT_GE(front.stamp(clock).ts, promised);
    } else {
      const Timestamp p = front.next_ts(clock);
      ASSERT_GE(p, promised);  // promises never go back either
      promised = p;
    }
  }
}

// Fronts stamp with the wall clock, which can step back (NTP). A promise made before the step
// must still hold after it, or the minimal time would already have passed the next input.
TEST(Front, APromiseHoldsEvenWhenTheClockGoesBack) {
  Front front(0);
  front.stamp(5);
  const Timestamp promise = front.promise(10);
  ASSERT_EQ(promise, 10u);
  EXPECT_GE(front.stamp(8).ts, promise);
}

TEST(Front, CloseMakesThePromiseInfinity) {
  Front front(0);
  front.stamp(4);
  EXPECT_FALSE(front.closed());
  front.close();
  EXPECT_TRUE(front.closed());
  EXPECT_EQ(front.next_ts(0), kInfinity);
  EXPECT_EQ(front.next_ts(1000), kInfinity);
}

TEST(Front, BoundItTakesTheClientsTimesAndIgnoresTheClock) {
  Front front(3);
  front.promise(100);  // a heartbeat on its own clock before the client came
  EXPECT_EQ(front.bind(), 100u) << "the client's times start at the clock's last promise";
  EXPECT_TRUE(front.bound());
  EXPECT_EQ(front.next_ts(1'000'000), 100u) << "bound, the clock no longer moves the promise";
  EXPECT_EQ(front.stamp(150), (GlobalTime{150, 3}));
  EXPECT_EQ(front.stamp(152), (GlobalTime{152, 3}));
  EXPECT_EQ(front.promise(1'000'000), 153u);
  front.raise_promise(400);
  EXPECT_EQ(front.promise(0), 400u) << "the client promised that nothing below 400 comes";
}

TEST(Front, ALoggedPromiseHoldsTheReplayThere) {
  Front front(0);
  front.bind();
  front.hold_for_replay(10);
  front.restamp(10);
  front.raise_promise(50);  // a promise record in the log, after the line at 10
  EXPECT_EQ(front.next_ts(0), 50u);
  front.end_replay();
  EXPECT_EQ(front.next_ts(0), 50u);
}

std::vector<Line> all_lines(Source& source) {
  std::vector<Line> lines;
  while (auto line = source.next()) lines.push_back(*line);
  return lines;
}

// The lines of `source` until its end, checking their numbers count from 1 and that the end stays.
std::vector<std::string> texts(Source& source) {
  std::vector<std::string> out;
  std::uint64_t expected_number = 1;
  for (const Line& l : all_lines(source)) {
    EXPECT_EQ(l.number, expected_number++);
    out.push_back(l.text);
  }
  EXPECT_FALSE(source.next().has_value());  // stays exhausted
  EXPECT_TRUE(source.ready());              // the end is an answer too
  return out;
}

// The lines of `text` read from a file (in memory).
std::vector<std::string> read(const std::string& text) { return texts(*test_support::text_source(text)); }

// The lines of `text` read from a pipe whose writer has closed.
std::vector<std::string> read_pipe(const std::string& text) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  EXPECT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fds[1]);
  DescriptorSource source(fds[0], "test pipe", true);
  return texts(source);
}

TEST(DescriptorSource, LinesAndNumbers) {
  for (auto* lines : {&read, &read_pipe}) {
    EXPECT_EQ(lines("a\nbb\nccc\n"), (std::vector<std::string>{"a", "bb", "ccc"}));
    EXPECT_EQ(lines("a\nbb"), (std::vector<std::string>{"a", "bb"}));  // final line without newline
    EXPECT_EQ(lines(""), std::vector<std::string>{});
    EXPECT_EQ(lines("\n"), std::vector<std::string>{""});  // one empty line, not two
    EXPECT_EQ(lines("x\n\n\ny"), (std::vector<std::string>{"x", "", "", "y"}));
    EXPECT_EQ(lines("  spaced  \n"), std::vector<std::string>{"  spaced  "});
  }
}

TEST(DescriptorSource, LinesAcrossReadsOfAFileComeOutWhole) {
  // Long and short lines, so that many straddle the 64 KiB reads.
  std::mt19937_64 rng(7);
  std::string text;
  std::vector<std::string> expected;
  for (int i = 0; i < 20000; ++i) {
    expected.push_back(std::string(rng() % 40, static_cast<char>('a' + i % 26)));
    text += expected.back() + "\n";
  }
  expected.push_back(std::string(200000, 'z'));  // a last line longer than a read, no newline
  text += expected.back();
  const std::string path = ::testing::TempDir() + "front_test_long.txt";
  {
    std::ofstream out(path);
    out << text;
  }
  auto source = open_source(path);
  const auto lines = texts(*source);
  std::remove(path.c_str());
  EXPECT_EQ(lines, expected);
}

TEST(DescriptorSource, ReadyTellsWhetherTheNextLineIsThereYet) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  DescriptorSource source(fds[0], "test pipe", true);
  EXPECT_FALSE(source.ready()) << "an open, empty pipe";
  ASSERT_EQ(::write(fds[1], "one\ntw", 6), 6);
  EXPECT_TRUE(source.ready());
  EXPECT_EQ(source.next()->text, "one");
  EXPECT_FALSE(source.ready()) << "half a line, and nothing more to read";
  ASSERT_EQ(::write(fds[1], "o\n", 2), 2);
  EXPECT_TRUE(source.ready());
  EXPECT_EQ(source.next()->text, "two");
  EXPECT_FALSE(source.ready());
  ::close(fds[1]);
  EXPECT_TRUE(source.ready()) << "the writer hung up: next() answers with the end";
  EXPECT_FALSE(source.next().has_value());
}

void expect_refused(Source& source, const std::string& why) {
  try {
    source.next();
    FAIL() << "a line over the limit must throw: " << why;
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(why));
  }
}

TEST(DescriptorSource, ALineOverTheLimitIsRefusedByNumberAfterTheLinesBeforeIt) {
  const std::size_t max = 100000;  // more than one read, so the limit is met across reads
  auto source = test_support::text_source(
      "a\n" + std::string(max, 'b') + "\n" + std::string(max + 1, 'c') + "\nd\n", max);
  EXPECT_EQ(source->next()->text, "a");
  EXPECT_EQ(source->next()->text.size(), max) << "a line of exactly the limit is taken";
  expect_refused(*source, "input line 3 is longer than the limit of 100000 bytes");
  expect_refused(*source, "input line 3 is longer");  // asked again, it refuses again
  // A final line without a newline counts too; a limit in whole MiB is said in MiB.
  auto last = test_support::text_source("x\n" + std::string((1 << 20) + 5, 'y'), 1 << 20);
  EXPECT_EQ(last->next()->text, "x");
  expect_refused(*last, "input line 2 is longer than the limit of 1 MiB (--max-line-mib)");
}

TEST(DescriptorSource, AFailedReadNamesTheInputAndTheLine) {
  const int fd = ::open(::testing::TempDir().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  DescriptorSource source(fd, "'a directory'", true);
  try {
    source.next();
    FAIL() << "reading a directory must throw";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("reading 'a directory' failed after line 0"));
  }
}

TEST(OpenSource, ReadsAFileAndNamesAMissingOne) {
  const std::string path = ::testing::TempDir() + "front_test_input.txt";
  {
    std::ofstream out(path);
    out << "first\nsecond";
  }
  auto source = open_source(path);
  const auto lines = all_lines(*source);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].number, 2u);
  EXPECT_EQ(lines[1].text, "second");
  std::remove(path.c_str());
  try {
    open_source(path + ".missing");
    FAIL() << "a missing file must throw";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("front_test_input.txt.missing"));
  }
}

TEST(GeneratorSource, IntegersAreDeterministicPerSeedAndInRange) {
  GeneratorSource a(11, 200, 9), b(11, 200, 9), c(12, 200, 9);
  const auto la = all_lines(a), lb = all_lines(b), lc = all_lines(c);
  ASSERT_EQ(la.size(), 200u);
  bool differs = false;
  for (std::size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(la[i].number, i + 1);
    EXPECT_EQ(la[i].text, lb[i].text);
    differs = differs || la[i].text != lc[i].text;
    const long v = std::stol(la[i].text);
    EXPECT_GE(v, 1);
    EXPECT_LE(v, 9);
  }
  EXPECT_TRUE(differs) << "another seed should give another stream";
}

TEST(GeneratorSource, WordsComeFromTheVocabulary) {
  const std::vector<std::string> vocabulary = {"dog", "cat", "emu"};
  GeneratorSource a(5, 30, vocabulary, 4), b(5, 30, vocabulary, 4);
  const auto la = all_lines(a), lb = all_lines(b);
  ASSERT_EQ(la.size(), 30u);
  for (std::size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(la[i].text, lb[i].text);
    std::istringstream words(la[i].text);
    std::string w;
    int n = 0;
    while (words >> w) {
      ++n;
      EXPECT_THAT(vocabulary, ::testing::Contains(w));
    }
    EXPECT_EQ(n, 4);
  }
  EXPECT_THROW(GeneratorSource(1, 1, std::vector<std::string>{}, 2), InternalError);
  GeneratorSource none(1, 0, 5);
  EXPECT_FALSE(none.next().has_value());
}

}  // namespace
}  // namespace flamestream

namespace flamestream {
namespace {

TEST(FrontReplay, ReassignsLoggedTimesAndPromisesNothingBeyondTheNextOne) {
  Front f(3);
  f.hold_for_replay(100);
  EXPECT_EQ(f.promise(5'000), 100u);  // the clock is far ahead; the log is not replayed yet
  EXPECT_EQ(f.restamp(100), (GlobalTime{100, 3}));
  EXPECT_EQ(f.promise(5'000), 101u);
  EXPECT_EQ(f.restamp(250).ts, 250u);
  EXPECT_THROW(f.restamp(250), InternalError);  // timestamps never repeat
  f.end_replay();
  EXPECT_EQ(f.promise(5'000), 5'000u);
  EXPECT_EQ(f.stamp(4'000).ts, 5'000u);  // never below the promise
  EXPECT_THROW(f.restamp(6'000), InternalError);  // no replay under way
}

}  // namespace
}  // namespace flamestream
