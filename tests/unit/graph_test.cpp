// The graph builder: valid graphs, every validation error naming its node, and the job catalog.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "graphs/catalog.h"
#include "model/errors.h"
#include "model/graph.h"

namespace flamestream {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

Value identity(const Value& v) { return v; }

// The message of the GraphError that `build` throws, or a failure if it throws nothing.
template <class F>
std::string graph_error(F&& build) {
  try {
    build();
  } catch (const GraphError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a GraphError";
  return {};
}

TEST(Graph, BuildsAChainWithCycle) {
  GraphBuilder b;
  b.front("in").merge("m").map("f", identity).broadcast("b").sink("out");
  b.chain({"in", "m", "f", "b", "m"}).edge("b", "out");
  const LogicalGraph g = b.build();
  ASSERT_EQ(g.nodes().size(), 5u);
  EXPECT_EQ(g.fronts(), std::vector<NodeId>{g.find("in")});
  EXPECT_EQ(g.sinks(), std::vector<NodeId>{g.find("out")});
  const Node& m = g.node(g.find("m"));
  EXPECT_EQ(m.inputs, (std::vector<NodeId>{g.find("in"), g.find("b")}));
  const Node& bc = g.node(g.find("b"));
  EXPECT_EQ(bc.outputs, (std::vector<NodeId>{g.find("m"), g.find("out")}));  // edge order = ports
  EXPECT_TRUE(g.node(g.find("in")).is_pinned());
  EXPECT_TRUE(g.node(g.find("out")).is_pinned());
  EXPECT_FALSE(m.is_pinned());
  EXPECT_THAT(graph_error([&] { (void)g.find("nope"); }), HasSubstr("'nope'"));
}

TEST(Graph, PartitionHashUsesGroupingKeyOrPayload) {
  GraphBuilder b;
  b.front("in").map("f", identity).grouping("g", 2, [](const Value& v) { return Value(v.as_int() % 2); });
  b.sink("out").chain({"in", "f", "g", "out"});
  const LogicalGraph g = b.build();
  const NodeId grouping = g.find("g"), map = g.find("f");
  // Items with one key land on one partition of the grouping, whatever their payload.
  EXPECT_EQ(g.partition_hash(grouping, Value(3)), g.partition_hash(grouping, Value(101)));
  EXPECT_EQ(g.partition_hash(grouping, Value(3)), g.partition_hash(map, Value(1)));
  EXPECT_NE(g.partition_hash(map, Value(3)), g.partition_hash(map, Value(101)));
  const std::uint64_t h = Value(1).hash();
  EXPECT_EQ(g.partition_hash(grouping, Value(7)), static_cast<std::uint32_t>(h ^ (h >> 32)));
}

TEST(GraphErrors, UnknownNodeInAnEdge) {
  GraphBuilder b;
  b.front("in").sink("out").edge("in", "out").edge("in", "ghost");
  EXPECT_THAT(graph_error([&] { b.build(); }), AllOf(HasSubstr("'ghost'"), HasSubstr("unknown")));
  GraphBuilder c;
  c.front("in").sink("out").edge("in", "out").edge("phantom", "out");
  EXPECT_THAT(graph_error([&] { c.build(); }), HasSubstr("'phantom'"));
}

TEST(GraphErrors, NodeUnreachableFromAFront) {
  // x -> b -> {x, m}: degrees are fine, but nothing reaches x from the front.
  GraphBuilder b;
  b.front("in").merge("m").sink("out").map("x", identity).broadcast("b");
  b.chain({"in", "m", "out"}).chain({"x", "b", "x"}).edge("b", "m");
  EXPECT_THAT(graph_error([&] { b.build(); }),
              AllOf(HasSubstr("'x'"), HasSubstr("unreachable from every front")));
}

TEST(GraphErrors, SinkUnreachable) {
  GraphBuilder b;
  b.front("in").sink("out").sink("lost").map("x", identity).broadcast("b");
  b.edge("in", "out").chain({"x", "b", "x"}).edge("b", "lost");
  EXPECT_THAT(graph_error([&] { b.build(); }),
              AllOf(HasSubstr("'lost'"), HasSubstr("sink is unreachable")));
}

TEST(GraphErrors, NodeWithNoPathToASink) {
  // in -> b -> {out, m}; m -> x -> m is a loop its items can never leave.
  GraphBuilder b;
  b.front("in").broadcast("b").sink("out").merge("m").map("x", identity);
  b.chain({"in", "b", "out"}).chain({"b", "m", "x", "m"});
  EXPECT_THAT(graph_error([&] { b.build(); }), AllOf(HasSubstr("'m'"), HasSubstr("no path")));
}

TEST(GraphErrors, WindowBelowOne) {
  GraphBuilder b;
  b.front("in").grouping("g0", 0, identity).sink("out").chain({"in", "g0", "out"});
  EXPECT_THAT(graph_error([&] { b.build(); }), AllOf(HasSubstr("'g0'"), HasSubstr("window")));
}

TEST(GraphErrors, MissingFunctions) {
  GraphBuilder g;
  g.front("in").grouping("keyless", 2, nullptr).sink("out").chain({"in", "keyless", "out"});
  EXPECT_THAT(graph_error([&] { g.build(); }), AllOf(HasSubstr("'keyless'"), HasSubstr("key")));
  GraphBuilder m;
  m.front("in").map("fnless", nullptr).sink("out").chain({"in", "fnless", "out"});
  EXPECT_THAT(graph_error([&] { m.build(); }), HasSubstr("'fnless'"));
  GraphBuilder f;
  f.front("in").filter("predless", nullptr).sink("out").chain({"in", "predless", "out"});
  EXPECT_THAT(graph_error([&] { f.build(); }), HasSubstr("'predless'"));
}

TEST(GraphErrors, TwoOutputsOnAMap) {
  GraphBuilder b;
  b.front("in").map("twice", identity).sink("a").sink("b");
  b.chain({"in", "twice", "a"}).edge("twice", "b");
  EXPECT_THAT(graph_error([&] { b.build(); }),
              AllOf(HasSubstr("'twice'"), HasSubstr("2 outputs"), HasSubstr("broadcast")));
}

TEST(GraphErrors, TwoInputsOnANonMerge) {
  GraphBuilder b;
  b.front("in1").front("in2").map("join", identity).sink("out");
  b.chain({"in1", "join", "out"}).edge("in2", "join");
  EXPECT_THAT(graph_error([&] { b.build(); }),
              AllOf(HasSubstr("'join'"), HasSubstr("2 inputs"), HasSubstr("merge")));
}

TEST(GraphErrors, DuplicateName) {
  GraphBuilder b;
  b.front("in").map("dup", identity).map("dup", identity).sink("out").chain({"in", "dup", "out"});
  EXPECT_THAT(graph_error([&] { b.build(); }), AllOf(HasSubstr("'dup'"), HasSubstr("twice")));
}

TEST(GraphErrors, EndpointDegreesAndMissingEndpoints) {
  GraphBuilder a;
  a.front("in").sink("out").map("f", identity).chain({"in", "out", "f", "out"});
  EXPECT_THAT(graph_error([&] { a.build(); }), HasSubstr("'out'"));
  GraphBuilder b;
  b.front("in").map("f", identity).chain({"in", "f", "in"});
  EXPECT_THAT(graph_error([&] { b.build(); }), HasSubstr("'in'"));
  GraphBuilder c;
  c.front("in").broadcast("b").edge("in", "b");
  EXPECT_THAT(graph_error([&] { c.build(); }), HasSubstr("'b'"));  // a broadcast with no output
  GraphBuilder d;  // degrees fine, but no sink
  d.front("in").merge("m").map("f", identity).chain({"in", "m", "f", "m"});
  EXPECT_THAT(graph_error([&] { d.build(); }), HasSubstr("no sink"));
  GraphBuilder e;  // degrees fine, but no front
  e.merge("m").map("f", identity).broadcast("b").sink("out");
  e.chain({"m", "f", "b", "m"}).edge("b", "out");
  EXPECT_THAT(graph_error([&] { e.build(); }), HasSubstr("no front"));
  GraphBuilder lone;
  lone.sink("out");
  EXPECT_THAT(graph_error([&] { lone.build(); }), AllOf(HasSubstr("'out'"), HasSubstr("0 inputs")));
  GraphBuilder f;
  f.front("").sink("out").chain({"", "out"});
  EXPECT_THAT(graph_error([&] { f.build(); }), HasSubstr("empty name"));
}

TEST(Catalog, EveryJobBuildsWithOneFrontAndOneSink) {
  for (const GraphSpec& spec : graph_catalog()) {
    const Job job = make_job(spec.name);
    EXPECT_EQ(job.graph.fronts().size(), 1u) << spec.name;
    EXPECT_EQ(job.graph.sinks().size(), 1u) << spec.name;
    EXPECT_TRUE(job.parse && job.format) << spec.name;
  }
}

TEST(Catalog, UnknownGraphListsValidNames) {
  const std::string msg = graph_error([] { make_job("no-such-graph"); });
  EXPECT_THAT(msg, HasSubstr("'no-such-graph'"));
  for (const GraphSpec& spec : graph_catalog()) EXPECT_THAT(msg, HasSubstr(spec.name));
}

TEST(Catalog, UnknownParamListsValidParams) {
  EXPECT_THAT(graph_error([] { make_job("paper-grouping", {{"windw", "3"}}); }),
              AllOf(HasSubstr("'windw'"), HasSubstr("valid: window")));
  EXPECT_THAT(graph_error([] { make_job("wordcount", {{"window", "3"}}); }),
              AllOf(HasSubstr("'window'"), HasSubstr("takes none")));
}

TEST(Catalog, BadWindowValueNamesTheParam) {
  for (const char* bad : {"0", "-1", "3x", "", "abc", "99999999999999999999999"}) {
    EXPECT_THAT(graph_error([&] { make_job("paper-grouping", {{"window", bad}}); }),
                AllOf(HasSubstr("'window'"), HasSubstr("'" + std::string(bad) + "'")))
        << bad;
  }
  const Job job = make_job("paper-grouping", {{"window", "5"}});
  const Node& g = job.graph.node(job.graph.find("by-parity"));
  EXPECT_EQ(std::get<GroupingOp>(g.op).window, 5u);
}

TEST(Catalog, ParseIntLine) {
  EXPECT_EQ(parse_int_line("42"), Value(42));
  EXPECT_EQ(parse_int_line("-7\r"), Value(-7));
  EXPECT_THROW(parse_int_line(""), InputError);
  EXPECT_THROW(parse_int_line("4 2"), InputError);
  EXPECT_THROW(parse_int_line("x"), InputError);
  EXPECT_EQ(parity(Value(-3)), Value(1));
  EXPECT_EQ(parity(Value(4)), Value(0));
}

}  // namespace
}  // namespace flamestream
