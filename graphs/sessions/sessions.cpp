// Sessionization of click lines, as a job library (built outside the tree, see README.md).
//
// Input: "USER TIME PAGE" per line, TIME an integer (seconds). Each click is broadcast to two
// groupings: by user (window 2: a click starts a new session when it follows the user's previous
// click by more than --param gap=S seconds) and by page (window 2: who visited the page before).
// Both results are merged into one sink, so each click prints two lines, the user's first:
//   user USER TIME new|same
//   page PAGE TIME first|after USER
#include <flamestream/flamestream.h>

#include <charconv>
#include <string>

using namespace flamestream;

namespace {

std::string_view next_field(std::string_view& rest) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const std::size_t end = std::min(rest.find(' '), rest.size());
  std::string_view field = rest.substr(0, end);
  rest.remove_prefix(end);
  return field;
}

Value parse_click(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = line;
  const std::string_view user = next_field(rest), time = next_field(rest), page = next_field(rest);
  std::int64_t t = 0;
  auto [ptr, ec] = std::from_chars(time.data(), time.data() + time.size(), t);
  if (page.empty() || !next_field(rest).empty() || ec != std::errc() || ptr != time.data() + time.size())
    throw InputError("expected 'USER TIME PAGE', got '" + std::string(line.substr(0, 40)) + "'");
  return Value::tuple({Value(user), Value(t), Value(page)});
}

const Value& user_of(const Value& click) { return click.as_tuple()[0]; }
const Value& page_of(const Value& click) { return click.as_tuple()[2]; }
std::int64_t time_of(const Value& click) { return click.as_tuple()[1].as_int(); }

Job sessions_job(const Params& params) {
  const auto gap = static_cast<std::int64_t>(positive_param(params, "gap"));
  GraphBuilder b;
  b.front("clicks")
      .broadcast("both")
      .grouping("by-user", 2, user_of)
      .map("session",
           [gap](const Value& window) {
             const auto w = window.as_tuple();
             const Value& click = w[w.size() - 1];
             const bool fresh = w.size() == 1 || time_of(click) - time_of(w[0]) > gap;
             return Value("user " + user_of(click).as_string() + " " + std::to_string(time_of(click)) +
                          (fresh ? " new" : " same"));
           })
      .grouping("by-page", 2, page_of)
      .map("referrer",
           [](const Value& window) {
             const auto w = window.as_tuple();
             const Value& click = w[w.size() - 1];
             return Value("page " + page_of(click).as_string() + " " + std::to_string(time_of(click)) +
                          (w.size() == 1 ? " first" : " after " + user_of(w[0]).as_string()));
           })
      .merge("results")
      .sink("out")
      .chain({"clicks", "both", "by-user", "session", "results", "out"})
      .chain({"both", "by-page", "referrer", "results"});
  return Job{b.build(), parse_click, [](const Value& v, std::string& out) { out += v.as_string(); }};
}

GraphSpec sessions_spec() {
  return {"sessions",
          "clicks 'USER TIME PAGE': each user's sessions and each page's previous visitor",
          {{"gap", "30", "seconds between two clicks of a user that start a new session"}},
          sessions_job};
}

}  // namespace

FLAMESTREAM_JOB("sessions", sessions_spec())
