// Inverted index as MapReduce on a stream — the workload of the FlameStream papers:
//   in -> positions(flat map) -> to-mapped -> cycle(merge) -> group(w=2, by word) -> valid(filter)
//      -> reduce(map) -> fanout(broadcast) -> {cycle, change(map) -> out}
// An input line is one document, "DOCID<TAB>text". The flat map emits, for each distinct word of the
// document in order of first occurrence, (word, posting) where the posting is "DOCID:p1,p2,..." (the
// 0-based token positions of the word). A mapped item is (0|word|posting); a reduced item is
// (1|word|postings|df|posting): the word's whole posting list so far ("DOCID:p,p;DOCID:p" in
// input order), its document frequency, and the posting this reduce step added. As in word count,
// the filter keeps (mapped), the first occurrence, and (reduced|mapped), a new posting after the
// word's current list; every other window is a transient of out-of-order arrival or the echo of the
// cycle. The sink receives the change records: word<TAB>DOCID:p1,p2,...<TAB>df.
//
// The posting list is a string so that the state carried around the cycle stays one flat value
// (the papers' implementation likewise sends the word's index through the cycle). DOCIDs are taken
// as given: a repeated DOCID adds a second posting, as a new version of the document would.
#include "graphs/catalog.h"

#include "model/errors.h"

namespace flamestream {

namespace {

constexpr std::int64_t kMapped = 0;
constexpr std::int64_t kReduced = 1;

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Value parse_document(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::size_t tab = line.find('\t');
  if (tab == std::string_view::npos || tab == 0)
    throw InputError("expected DOCID<TAB>text, got '" + std::string(line.substr(0, 40)) +
                     (line.size() > 40 ? "...'" : "'"));
  const std::string_view id = line.substr(0, tab);
  for (unsigned char c : id)
    if (c <= ' ' || c == ':' || c == ';' || c == ',')
      throw InputError("a DOCID may not contain blanks, ':', ';' or ',', got '" +
                       std::string(id.substr(0, 40)) + "'");
  return Value::tuple({Value(id), Value(line.substr(tab + 1))});
}

// (DOCID|text) -> (word|"DOCID:p1,p2,...") for each distinct word, in order of first occurrence.
void positions(const Value& doc, std::vector<Value>& out) {
  const std::string& id = doc.as_tuple()[0].as_string();
  const std::string& text = doc.as_tuple()[1].as_string();
  std::vector<std::pair<std::string, std::string>> words;  // word, posting; few per document
  std::int64_t position = 0;
  std::string word;
  auto add = [&] {
    std::string pos = std::to_string(position++);
    for (auto& [w, posting] : words) {
      if (w == word) {
        posting += ',' + pos;
        word.clear();
        return;
      }
    }
    words.emplace_back(std::move(word), id + ':' + pos);
    word.clear();
  };
  for (unsigned char c : text) {
    if (is_word_byte(c)) {
      word += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (!word.empty()) {
      add();
    }
  }
  if (!word.empty()) add();
  for (auto& [w, posting] : words) out.push_back(Value::tuple({Value(std::move(w)), Value(std::move(posting))}));
}

std::int64_t tag(const Value& item) { return item.as_tuple()[0].as_int(); }
const Value& word_of(const Value& item) { return item.as_tuple()[1]; }

Value to_mapped(const Value& word_posting) {
  const auto& t = word_posting.as_tuple();
  return Value::tuple({kMapped, t[0], t[1]});
}

bool valid_window(const Value& window) {
  const auto& w = window.as_tuple();
  if (w.size() == 1) return tag(w[0]) == kMapped;
  return tag(w[0]) == kReduced && tag(w[1]) == kMapped;
}

// (mapped) or (reduced|mapped) -> (1|word|postings|df|posting): the merged list and the change.
Value reduce(const Value& window) {
  const auto& w = window.as_tuple();
  const Value& mapped = w.back();
  const Value& posting = mapped.as_tuple()[2];
  if (w.size() == 1) return Value::tuple({kReduced, word_of(mapped), posting, 1, posting});
  const auto& before = w[0].as_tuple();
  std::string postings = before[2].as_string();
  postings += ';';
  postings += posting.as_string();
  return Value::tuple({kReduced, word_of(mapped), Value(std::move(postings)), before[3].as_int() + 1, posting});
}

// The change record the sink receives: (word|posting|df).
Value change(const Value& reduced) {
  const auto& r = reduced.as_tuple();
  return Value::tuple({r[1], r[4], r[3]});
}

void format_change(const Value& change, std::string& out) {
  const auto& c = change.as_tuple();
  out += c[0].as_string();
  out += '\t';
  out += c[1].as_string();
  out += '\t';
  c[2].append_text(out);
}

}  // namespace

GraphSpec inverted_index_spec() {
  return {"inverted-index",
          "documents DOCID<TAB>text: prints word<TAB>DOCID:positions<TAB>df, each change to the index",
          {},
          [](const Params&) {
            GraphBuilder b;
            b.front("in")
                .flat_map("positions", positions)
                .map("to-mapped", to_mapped)
                .merge("cycle")
                .grouping("group", 2, word_of)
                .filter("valid", valid_window)
                .map("reduce", reduce)
                .broadcast("fanout")
                .map("change", change)
                .sink("out")
                .chain({"in", "positions", "to-mapped", "cycle", "group", "valid", "reduce",
                        "fanout", "cycle"})
                .chain({"fanout", "change", "out"});
            return Job{b.build(), parse_document, format_change};
          }};
}

}  // namespace flamestream
