// Job libraries that the loader must refuse, one per -D: BAD_VERSION (another API version),
// CATALOG_NAME (a graph named like a catalog graph), REJECTED (a graph the builder rejects).
// Built without any -D it defines no entry point at all. THROWS loads, but its map throws on the
// line "boom" (the run-time failure of a job function).
#include <flamestream/flamestream.h>

using namespace flamestream;

namespace {

GraphSpec spec(std::string name, bool broken) {
  return {name, "a test graph", {}, [broken](const Params&) {
            GraphBuilder b;
            b.front("in").sink("out").edge("in", broken ? "nowhere" : "out");
            return Job{b.build(), [](std::string_view l) { return Value(l); }, format_text};
          }};
}

}  // namespace

#if defined(BAD_VERSION)
extern "C" __attribute__((visibility("default"))) const JobLibrary* flamestream_job() {
  static const JobLibrary library{kJobApiVersion + 1, "bad-version", {spec("other-version", false)}};
  return &library;
}
#elif defined(CATALOG_NAME)
FLAMESTREAM_JOB("catalog-name", spec("wordcount", false))
#elif defined(THROWS)
GraphSpec throws_spec() {
  return {"throws", "copies lines, throws on 'boom'", {}, [](const Params&) {
            GraphBuilder b;
            b.front("in")
                .map("explode",
                     [](const Value& line) {
                       if (line.as_string() == "boom") throw std::runtime_error("boom line");
                       return line;
                     })
                .sink("out")
                .chain({"in", "explode", "out"});
            return Job{b.build(), [](std::string_view l) { return Value(l); }, format_text};
          }};
}
FLAMESTREAM_JOB("throwing-job", throws_spec())
#elif defined(REJECTED)
FLAMESTREAM_JOB("rejected", spec("rejected", true))
#else
extern "C" int not_a_job() { return 0; }
#endif
