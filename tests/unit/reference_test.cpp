// The reference executor: the paper's grouping sequence, word count's Fig. 3 stages, word counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "graphs/catalog.h"
#include "model/reference_executor.h"

namespace flamestream {
namespace {

std::vector<std::string> formatted(const Job& job, const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const Item& item : items) {
    std::string s;
    job.format(item.payload, s);
    out.push_back(s);
  }
  return out;
}

std::vector<Item> run_lines(const Job& job, const std::vector<std::string>& lines) {
  std::vector<Value> inputs;
  for (const std::string& l : lines) inputs.push_back(job.parse(l));
  return run_reference(job.graph, inputs);
}

TEST(Reference, PaperGroupingSequence) {
  const Job job = make_job("paper-grouping", {{"window", "3"}});
  std::vector<Value> inputs;
  for (int i = 1; i <= 8; ++i) inputs.emplace_back(i);
  const auto out = run_reference(job.graph, inputs);
  EXPECT_EQ(formatted(job, out), (std::vector<std::string>{"(1)", "(2)", "(1|3)", "(2|4)",
                                                           "(1|3|5)", "(2|4|6)", "(3|5|7)",
                                                           "(4|6|8)"}));
  // Each window inherits the global time of its last item: ts i for the i-th input.
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].meta.time, (GlobalTime{i + 1, job.graph.fronts()[0]}));
    EXPECT_FALSE(out[i].tombstone);
  }
}

TEST(Reference, EveryInputGetsTheNextGlobalTimeAndNothingReplays) {
  for (const char* name : {"paper-grouping", "chained-groupings", "replay-filter"}) {
    const Job job = make_job(name);
    std::vector<Timestamp> times;
    ReferenceExecutor exec(job.graph, [&](NodeId, const Item& item) { times.push_back(item.meta.time.ts); });
    for (int i : {5, 2, 8, 1, 9, 4, 7, 3, 6, 10}) exec.push(job.graph.fronts()[0], Value(i));
    EXPECT_EQ(exec.replays(), 0u) << name;
    EXPECT_TRUE(std::is_sorted(times.begin(), times.end())) << name;
    EXPECT_FALSE(times.empty()) << name;
  }
}

// Fig. 3 of the paper: the stages word count goes through for the lines "dog" then "dog".
TEST(Reference, WordCountFigureThreeStages) {
  const Job job = make_job("wordcount");
  const NodeId group = job.graph.find("group"), valid = job.graph.find("valid");
  std::vector<std::string> grouped, passed, dropped, sunk;
  ReferenceExecutor exec(job.graph, [&](NodeId, const Item& item) {
    std::string s;
    job.format(item.payload, s);
    sunk.push_back(s);
  });
  exec.set_observer([&](const Node& node, const Item& in, const std::vector<Output>& out) {
    if (node.id == group) {
      for (const Output& o : out) grouped.push_back(o.item.payload.to_text());
    } else if (node.id == valid) {
      (out.empty() ? dropped : passed).push_back(in.payload.to_text());
      if (!out.empty()) {
        EXPECT_EQ(out[0].item.payload, in.payload);
      }
    }
  });
  const NodeId front = job.graph.fronts()[0];
  exec.push(front, job.parse("dog"));
  exec.push(front, job.parse("dog"));
  const std::string m = "(0|dog|1)", r1 = "(1|dog|1)", r2 = "(1|dog|2)";
  EXPECT_EQ(grouped, (std::vector<std::string>{"(" + m + ")",            // stage 1
                                               "(" + m + "|" + r1 + ")",   // stage 2
                                               "(" + r1 + "|" + m + ")",   // stage 3
                                               "(" + m + "|" + r2 + ")"}));  // stage 4
  EXPECT_EQ(passed, (std::vector<std::string>{grouped[0], grouped[2]}));
  EXPECT_EQ(dropped, (std::vector<std::string>{grouped[1], grouped[3]}));
  EXPECT_EQ(sunk, (std::vector<std::string>{"dog\t1", "dog\t2"}));
  EXPECT_EQ(exec.replays(), 0u);
}

// Word counts computed independently: lowercase ASCII alphanumeric runs, running count per word.
std::vector<std::string> expected_counts(const std::vector<std::string>& lines) {
  std::map<std::string, int> counts;
  std::vector<std::string> out;
  for (const std::string& line : lines) {
    std::string word;
    for (std::size_t i = 0; i <= line.size(); ++i) {
      const unsigned char c = i < line.size() ? static_cast<unsigned char>(line[i]) : ' ';
      if (c < 128 && std::isalnum(c)) {
        word += static_cast<char>(std::tolower(c));
      } else if (!word.empty()) {
        out.push_back(word + "\t" + std::to_string(++counts[word]));
        word.clear();
      }
    }
  }
  return out;
}

TEST(Reference, WordCountOnASmallText) {
  const std::vector<std::string> lines = {
      "The dog, the DOG!",  "",  "a cat-dog; 42 cats\tand 42",
      "caf\xc3\xa9 cafe_caf", "   the   end   ", "Dog dog dOg"};
  const Job job = make_job("wordcount");
  const auto out = formatted(job, run_lines(job, lines));
  EXPECT_EQ(out, expected_counts(lines));
  ASSERT_GE(out.size(), 3u);
  EXPECT_EQ(out[0], "the\t1");
  EXPECT_EQ(out[2], "the\t2");
}

TEST(Reference, WordCountRepeatsWithinOneLine) {
  const Job job = make_job("wordcount");
  const auto out = formatted(job, run_lines(job, {"x x x y x"}));
  EXPECT_EQ(out, (std::vector<std::string>{"x\t1", "x\t2", "x\t3", "y\t1", "x\t4"}));
}

TEST(Reference, WordCountSplitsOnEveryOtherByte) {
  // Words at both ends of the line, high bytes and punctuation between them, upper case and digits.
  const Job job = make_job("wordcount");
  const auto out = formatted(job, run_lines(job, {"A1b\xff\xfeZZ9--a1B Zz9\x80", "\x01"}));
  EXPECT_EQ(out, (std::vector<std::string>{"a1b\t1", "zz9\t1", "a1b\t2", "zz9\t2"}));
}

TEST(Reference, RunReferenceNeedsOneFront) {
  GraphBuilder b;
  b.front("a").front("b").merge("m").sink("out").chain({"a", "m", "out"}).edge("b", "m");
  const LogicalGraph g = b.build();
  EXPECT_ANY_THROW(run_reference(g, {Value(1)}));
}

}  // namespace
}  // namespace flamestream
