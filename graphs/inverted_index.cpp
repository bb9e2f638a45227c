// Inverted index as MapReduce on a stream — the workload of the FlameStream papers, on the cycle of
// graphs/mapreduce.h (its release step turns a reduced item into the change record).
// An input line is one document, "DOCID<TAB>text". The split emits, for each distinct word of the
// document in order of first occurrence, (word, posting) where the posting is "DOCID:p1,p2,..." (the
// 0-based token positions of the word). A mapped item is (0|word|posting); a reduced item is
// (1|word|postings|df|posting): the word's whole posting list so far ("DOCID:p,p;DOCID:p" in
// input order), its document frequency, and the posting this reduce step added. The sink receives
// the change records: word<TAB>DOCID:p1,p2,...<TAB>df.
//
// The posting list is a string so that the state carried around the cycle stays one flat value
// (the papers' implementation likewise sends the word's index through the cycle). DOCIDs are taken
// as given: a repeated DOCID adds a second posting, as a new version of the document would.
#include "graphs/catalog.h"
#include "graphs/mapreduce.h"

#include "model/errors.h"

namespace flamestream {

namespace {

using namespace mapreduce;

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
  for_each_word(text, [&](std::string word) {
    const std::string pos = std::to_string(position++);
    for (auto& [w, posting] : words) {
      if (w == word) {
        posting += ',' + pos;
        return;
      }
    }
    words.emplace_back(std::move(word), id + ':' + pos);
  });
  for (auto& [w, posting] : words) out.push_back(Value::tuple({Value(std::move(w)), Value(std::move(posting))}));
}

// (mapped) or (reduced|mapped) -> (1|word|postings|df|posting): the merged list and the change.
Value reduce(const Value& window) {
  const auto& w = window.as_tuple();
  const Value& mapped = w.back();
  const Value& posting = mapped.as_tuple()[2];
  if (w.size() == 1) return Value::tuple({kReduced, key_of(mapped), posting, 1, posting});
  const auto& before = w[0].as_tuple();
  std::string postings = before[2].as_string();
  postings += ';';
  postings += posting.as_string();
  return Value::tuple({kReduced, key_of(mapped), Value(std::move(postings)), before[3].as_int() + 1, posting});
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
            return Job{mapreduce::graph({positions, reduce, change}), parse_document, format_change};
          }};
}

}  // namespace flamestream
