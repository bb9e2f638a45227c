#include "graphs/mapreduce.h"

namespace flamestream::mapreduce {

namespace {

Value to_mapped(const Value& record) {
  const Value::Elements fields = record.as_tuple();
  Value::TupleBuilder t(fields.size() + 1);
  t.add(kMapped);
  for (const Value& f : fields) t.add(f);
  return t.build();
}

bool valid_window(const Value& window) {
  const auto& w = window.as_tuple();
  if (w.size() == 1) return tag(w[0]) == kMapped;
  return tag(w[0]) == kReduced && tag(w[1]) == kMapped;
}

}  // namespace

std::int64_t tag(const Value& item) { return item.as_tuple()[0].as_int(); }
const Value& key_of(const Value& item) { return item.as_tuple()[1]; }

LogicalGraph graph(const Steps& steps) {
  GraphBuilder b;
  b.front("in").flat_map("split", steps.split);
  // Declared in this order, node ids stay those of the graph before split_maps existed.
  if (!steps.split_maps) b.map("to-mapped", to_mapped);
  b.merge("cycle")
      .grouping("group", 2, key_of)
      .filter("valid", valid_window)
      .map("reduce", steps.reduce)
      .broadcast("fanout")
      .sink("out");
  if (steps.split_maps) {
    b.chain({"in", "split", "cycle"});
  } else {
    b.chain({"in", "split", "to-mapped", "cycle"});
  }
  b.chain({"cycle", "group", "valid", "reduce", "fanout", "cycle"});
  if (steps.release) {
    b.map("release", steps.release).chain({"fanout", "release", "out"});
  } else {
    b.edge("fanout", "out");
  }
  return b.build();
}

}  // namespace flamestream::mapreduce
