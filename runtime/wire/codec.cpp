// Messages to and from flat Cap'n Proto bytes; decode() validates everything (see codec.h).
//
// Every access to a capnp reader happens inside decode()'s try block, so a kj::Exception raised by
// a bounds, traversal or nesting check becomes a WireError like the checks written here.
#include "runtime/wire/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <kj/io.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "runtime/wire/item_page.h"
#include "runtime/wire/value_codec.h"

namespace flamestream::wire {

namespace {

template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

unsigned list_size(std::size_t n, const char* what) {
  // Cap'n Proto lists hold at most 2^29 elements.
  if (n >= (std::size_t{1} << 29)) throw WireError(std::string("too many ") + what + " to encode");
  return static_cast<unsigned>(n);
}

void encode_lines(const std::vector<std::string>& lines, capnp::List<capnp::Data>::Builder out) {
  for (unsigned i = 0; i < lines.size(); ++i) out.set(i, as_data(lines[i]));
}

// The flat page of `envelopes` as a segment of its own (Orphanage::referenceExternalData): not
// copied into a zeroed first segment. Its buffer is reused by every encode on this thread and
// zero-padded to whole words, since a segment is written out in whole words; it must stay untouched
// until the message is serialized.
capnp::Orphan<capnp::Data> page_of(const std::vector<Envelope>& envelopes, capnp::Orphanage orphanage) {
  thread_local std::string page;
  page.clear();
  encode_page(envelopes, page);
  const std::size_t size = page.size();
  page.resize((size + sizeof(capnp::word) - 1) / sizeof(capnp::word) * sizeof(capnp::word), '\0');
  const capnp::Data::Reader data(reinterpret_cast<const kj::byte*>(page.data()), size);
  if (reinterpret_cast<std::uintptr_t>(page.data()) % alignof(capnp::word) != 0)
    return orphanage.newOrphanCopy(data);  // a short page in the string itself: not aligned
  return orphanage.referenceExternalData(data);
}

void encode_body(const Body& body, schema::Message::Body::Builder out, capnp::Orphanage orphanage) {
  std::visit(
      Overloaded{
          [&](const ItemBatch& b) { out.adoptPage(page_of(b.envelopes, orphanage)); },
          [&](const StateRequest& r) {
            auto o = out.initStateRequest();
            o.setStateTick(capnp::Text::Reader(r.state_tick.c_str(), r.state_tick.size()));
            o.setEnd(r.end);
            auto ranges = o.initRanges(list_size(r.ranges.size(), "ranges"));
            for (unsigned i = 0; i < r.ranges.size(); ++i) {
              ranges[i].setFrom(r.ranges[i].first);
              ranges[i].setTo(r.ranges[i].second);
            }
          },
          [&](const StateReply& r) {
            auto o = out.initStateReply();
            o.setEnd(r.end);
            o.adoptPage(page_of(r.items, orphanage));
            o.setError(capnp::Text::Reader(r.error.c_str(), r.error.size()));
          },
          [&](const AckDelta& d) {
            auto a = out.initAckDelta();
            auto slots = a.initSlots(list_size(d.slots.size(), "ack slots"));
            for (unsigned i = 0; i < d.slots.size(); ++i) {
              slots[i].setSlotTs(d.slots[i].slot_ts);
              slots[i].setXorIds(d.slots[i].xor_ids);
            }
            auto reports = a.initReports(list_size(d.reports.size(), "front reports"));
            for (unsigned i = 0; i < d.reports.size(); ++i) {
              reports[i].setFront(d.reports[i].front);
              reports[i].setNextTs(d.reports[i].next_ts);
            }
          },
          [&](const MinTimeUpdate& m) { out.setMinTime(m.ts); },
          [&](const FrontProgress& f) { out.setFronts(f.ts); },
          [&](const IngestLines& l) {
            auto i = out.initIngest();
            i.setFront(capnp::Text::Reader(l.front.c_str(), l.front.size()));
            i.setSeq(l.seq);
            encode_lines(l.lines, i.initLines(list_size(l.lines.size(), "lines")));
            i.setClose(l.close);
            i.setBind(l.bind);
            i.setFirstTs(l.first_ts);
            i.setPromise(l.promise);
            i.setFirstLine(l.first_line);
            i.setStride(l.stride);
          },
          [&](const IngestAck& a) {
            auto o = out.initIngestAck();
            o.setSeq(a.seq);
            o.setAccepted(a.accepted);
            o.setError(capnp::Text::Reader(a.error.c_str(), a.error.size()));
            o.setRetry(a.retry);
            o.setNextTs(a.next_ts);
            o.setSlotWidth(a.slot_width);
          },
          [&](const TailRequest& r) {
            auto o = out.initTailRequest();
            o.setSink(capnp::Text::Reader(r.sink.c_str(), r.sink.size()));
            o.setOffset(r.offset);
          },
          [&](const TailReply& r) {
            auto o = out.initTailReply();
            o.setOffset(r.offset);
            encode_lines(r.lines, o.initLines(list_size(r.lines.size(), "lines")));
            o.setDone(r.done);
            encode_lines(r.keys, o.initKeys(list_size(r.keys.size(), "keys")));
            o.setReleasedTo(r.released_to);
          },
          [&](const Stop&) { out.setStop(); },
          [&](const Commit& c) {
            auto o = out.initCommit();
            o.setEnd(c.end);
            o.setCommitted(c.committed);
          },
          [&](const CommitAck& a) {
            auto o = out.initCommitAck();
            o.setEnd(a.end);
            o.setSnapshot(capnp::Text::Reader(a.snapshot.c_str(), a.snapshot.size()));
            auto fronts = o.initFronts(list_size(a.fronts.size(), "front determinants"));
            for (unsigned i = 0; i < a.fronts.size(); ++i) {
              fronts[i].setFront(a.fronts[i].front);
              fronts[i].setNextSeq(a.fronts[i].next_seq);
              fronts[i].setPartition(a.fronts[i].partition);
              fronts[i].setSkip(a.fronts[i].skip);
              fronts[i].setFloor(a.fronts[i].floor);
            }
          },
      },
      body);
}

// A first segment big enough for most messages, so encoding rarely allocates twice. A page is a
// segment of its own (page_of).
unsigned first_segment_words(const Body& body) {
  std::size_t words = 64;
  if (const auto* l = std::get_if<IngestLines>(&body)) {
    for (const auto& line : l->lines) words += 2 + line.size() / 8;
  } else if (const auto* r = std::get_if<TailReply>(&body)) {
    for (const auto& line : r->lines) words += 2 + line.size() / 8;
    for (const auto& key : r->keys) words += 2 + key.size() / 8;
  }
  return static_cast<unsigned>(std::min<std::size_t>(words, std::size_t{1} << 24));
}

// ---- decoding ------------------------------------------------------------------------------

class Decoder {
 public:
  Decoder(const Limits& limits, std::uint64_t message_words)
      : limits_(limits), budget_(message_words) {}

  Message message(schema::Message::Reader in) {
    Message m;
    m.tick = in.getTick();
    m.sender = in.getSender();
    if (m.sender >= limits_.worker_count)
      throw WireError("sender " + std::to_string(m.sender) + " out of range (" +
                      std::to_string(limits_.worker_count) + " workers)");
    m.body = body(in.getBody());
    m.epoch = in.getEpoch();
    return m;
  }

 private:
  Body body(schema::Message::Body::Reader in) {
    using W = schema::Message::Body::Which;
    switch (in.which()) {
      case W::NONE: throw WireError("message has no body");
      case W::ITEMS: return items(in.getItems());
      case W::PAGE: return ItemBatch{page(in.getPage())};
      case W::ACK_DELTA: return ack_delta(in.getAckDelta());
      case W::MIN_TIME: return MinTimeUpdate{in.getMinTime()};
      case W::FRONTS: return FrontProgress{in.getFronts()};
      case W::INGEST: {
        auto i = in.getIngest();
        return IngestLines{text(i.getFront(), "front name"), i.getSeq(), lines(i.getLines()),
                           i.getClose(), i.getBind(), i.getFirstTs(), i.getPromise(), i.getFirstLine(),
                           std::max<std::uint64_t>(1, i.getStride())};
      }
      case W::INGEST_ACK: {
        auto a = in.getIngestAck();
        return IngestAck{a.getSeq(), a.getAccepted(), text(a.getError(), "error text"), a.getRetry(),
                         a.getNextTs(), a.getSlotWidth()};
      }
      case W::TAIL_REQUEST: {
        auto r = in.getTailRequest();
        return TailRequest{text(r.getSink(), "sink name"), r.getOffset()};
      }
      case W::TAIL_REPLY: {
        auto r = in.getTailReply();
        TailReply reply{r.getOffset(), lines(r.getLines()), r.getDone(), lines(r.getKeys()), r.getReleasedTo()};
        if (!reply.keys.empty() && reply.keys.size() != reply.lines.size())
          throw WireError("a tail reply has " + std::to_string(reply.keys.size()) + " keys for " +
                          std::to_string(reply.lines.size()) + " lines");
        return reply;
      }
      case W::STOP: return Stop{};
      case W::COMMIT: return Commit{in.getCommit().getEnd(), in.getCommit().getCommitted()};
      case W::COMMIT_ACK: return commit_ack(in.getCommitAck());
      case W::STATE_REQUEST: {
        auto r = in.getStateRequest();
        StateRequest out{text(r.getStateTick(), "state tick"), r.getEnd(), {}};
        auto ranges = r.getRanges();
        budget_.elements(ranges.size(), "ranges");
        for (auto range : ranges) out.ranges.emplace_back(range.getFrom(), range.getTo());
        return out;
      }
      case W::STATE_REPLY: {
        auto r = in.getStateReply();
        auto envelopes = r.hasPage() ? page(r.getPage()) : items(r.getItems()).envelopes;
        return StateReply{r.getEnd(), std::move(envelopes), text(r.getError(), "error text")};
      }
    }
    throw WireError("unknown message body " + std::to_string(static_cast<unsigned>(in.which())));
  }

  void check_front(std::uint32_t id, const char* what) const {
    if (!limits_.valid_front(id))
      throw WireError(std::string(what) + " " + std::to_string(id) + " out of range (" +
                      std::to_string(limits_.node_count) + " nodes)");
  }

  void check_node(std::uint32_t node, const char* what) const {
    if (node >= limits_.node_count)
      throw WireError(std::string(what) + " " + std::to_string(node) + " out of range (" +
                      std::to_string(limits_.node_count) + " nodes)");
  }

  std::vector<Envelope> page(capnp::Data::Reader bytes) {
    budget_.blob(bytes.size(), "page bytes");
    return decode_page(std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()),
                       limits_);
  }

  // The Cap'n Proto list form of a page, which older encoders wrote.
  ItemBatch items(capnp::List<schema::Envelope>::Reader list) {
    budget_.elements(list.size(), "envelopes");
    ItemBatch batch;
    batch.envelopes.reserve(list.size());
    for (auto in : list) {
      Envelope& e = batch.envelopes.emplace_back();
      e.node = in.getNode();
      check_node(e.node, "node id");
      e.ack_id = in.getAckId();
      e.item.meta.time.ts = in.getTs();
      e.item.meta.time.front = in.getFront();
      check_front(e.item.meta.time.front, "front id");
      e.item.tombstone = in.getTombstone();
      if (in.hasTrace()) {
        auto trace = in.getTrace();
        if (trace.size() > limits_.max_trace)
          throw WireError("trace of " + std::to_string(trace.size()) + " local times exceeds " +
                          std::to_string(limits_.max_trace));
        budget_.elements(trace.size(), "local times");
        e.item.meta.trace.reserve(trace.size());
        for (auto t : trace) e.item.meta.trace.push_back(LocalTime{t.getLogical(), t.getChild()});
      }
      e.item.payload = decode_value(in.getPayload(), limits_, budget_);
    }
    return batch;
  }

  AckDelta ack_delta(schema::AckDelta::Reader in) {
    AckDelta d;
    auto slots = in.getSlots();
    budget_.elements(slots.size(), "ack slots");
    d.slots.reserve(slots.size());
    for (auto s : slots) d.slots.push_back({s.getSlotTs(), s.getXorIds()});
    auto reports = in.getReports();
    budget_.elements(reports.size(), "front reports");
    d.reports.reserve(reports.size());
    for (auto r : reports) {
      check_front(r.getFront(), "reporting front id");
      d.reports.push_back({r.getFront(), r.getNextTs()});
    }
    return d;
  }

  CommitAck commit_ack(schema::CommitAck::Reader in) {
    CommitAck a{in.getEnd(), text(in.getSnapshot(), "snapshot path"), {}};
    auto fronts = in.getFronts();
    budget_.elements(fronts.size(), "front determinants");
    for (auto f : fronts) {
      check_node(f.getFront(), "front id");
      a.fronts.push_back({f.getFront(), f.getNextSeq(), f.getPartition(), f.getSkip(), f.getFloor()});
    }
    return a;
  }

  std::vector<std::string> lines(capnp::List<capnp::Data>::Reader list) {
    budget_.elements(list.size(), "lines");
    std::vector<std::string> out;
    out.reserve(list.size());
    for (auto line : list) {
      budget_.blob(line.size(), "line bytes");
      out.push_back(to_string(line));
    }
    return out;
  }

  std::string text(capnp::Text::Reader t, const char* what) {
    budget_.blob(std::uint64_t{t.size()} + 1, what);
    return std::string(t.cStr(), t.size());
  }

  const Limits& limits_;
  DecodeBudget budget_;
};

}  // namespace

namespace {

// Cap'n Proto's flat form (capnp::writeMessage), appended to a string reserved to its size: not
// written into a zero-filled one.
class AppendTo final : public kj::OutputStream {
 public:
  explicit AppendTo(std::string& out) : out_(out) {}
  void write(const void* buffer, size_t size) override { out_.append(static_cast<const char*>(buffer), size); }

 private:
  std::string& out_;
};

std::string serialize(capnp::MallocMessageBuilder& builder) {
  const auto segments = builder.getSegmentsForOutput();
  std::string out;
  out.reserve(capnp::computeSerializedSizeInWords(segments) * sizeof(capnp::word));
  AppendTo stream(out);
  capnp::writeMessage(stream, segments);
  return out;
}

}  // namespace

std::string encode(const Message& message) {
  try {
    capnp::MallocMessageBuilder builder(first_segment_words(message.body));
    auto root = builder.initRoot<schema::Message>();
    root.setTick(message.tick);
    root.setSender(message.sender);
    root.setEpoch(message.epoch);
    encode_body(message.body, root.initBody(), builder.getOrphanage());
    return serialize(builder);
  } catch (const kj::Exception& e) {
    throw WireError(std::string("cannot encode message: ") + e.getDescription().cStr());
  }
}

std::string encode_page_message(std::uint64_t tick, WorkerId sender, const std::string& page) {
  try {
    capnp::MallocMessageBuilder builder(static_cast<unsigned>(
        std::min<std::size_t>(64 + page.size() / sizeof(capnp::word), std::size_t{1} << 24)));
    auto root = builder.initRoot<schema::Message>();
    root.setTick(tick);
    root.setSender(sender);
    root.initBody().setPage(as_data(page));
    return serialize(builder);
  } catch (const kj::Exception& e) {
    throw WireError(std::string("cannot encode message: ") + e.getDescription().cStr());
  }
}

void PageEncoder::append(const std::vector<std::pair<NodeId, const Item*>>& items) {
  if (page_.empty()) {
    page_.reserve(kPageCountRoom + last_size_);  // grown once, not by doubling
    page_.resize(kPageCountRoom);
  }
  encode_envelopes(items, page_, last_ts_);
  count_ += items.size();
}

std::string PageEncoder::finish() {
  if (page_.empty()) page_.resize(kPageCountRoom);
  close_page(count_, page_);
  count_ = 0;
  last_ts_ = 0;
  last_size_ = page_.size();
  std::string page = std::move(page_);
  page_.clear();
  return page;
}

namespace {

// Frames `bytes` as one Cap'n Proto message and hands its root to `read`; every failure, of the
// framing or of `read` itself, is a WireError.
template <class Read>
auto with_root(std::string_view bytes, const capnp::ReaderOptions& options, Read&& read) {
  if (bytes.empty()) throw WireError("empty message");
  if (bytes.size() % sizeof(capnp::word) != 0)
    throw WireError("message length " + std::to_string(bytes.size()) +
                    " is not a multiple of 8 bytes");
  const std::size_t words = bytes.size() / sizeof(capnp::word);
  // Cap'n Proto reads words in place: use the bytes directly when aligned, else an aligned copy.
  kj::Array<capnp::word> copy;
  kj::ArrayPtr<const capnp::word> view;
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
    view = kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()), words);
  } else {
    copy = kj::heapArray<capnp::word>(words);
    std::memcpy(copy.begin(), bytes.data(), bytes.size());
    view = copy.asPtr();
  }
  try {
    capnp::FlatArrayMessageReader reader(view, options);
    if (reader.getEnd() != view.end())
      throw WireError("message has " +
                      std::to_string(view.end() - reader.getEnd()) + " trailing words");
    return read(reader.getRoot<schema::Message>());
  } catch (const kj::Exception& e) {
    throw WireError(std::string("malformed message: ") + e.getDescription().cStr());
  }
}

}  // namespace

Message decode(std::string_view bytes, const Limits& limits) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits.traversal_words;
  // Message > items > envelope > payload, then two levels (list, struct) per tuple.
  const std::size_t nesting = 16 + 2 * std::min<std::size_t>(limits.max_tuple_depth, 1 << 20);
  options.nestingLimit = static_cast<int>(nesting);
  const std::size_t words = bytes.size() / sizeof(capnp::word);
  return with_root(bytes, options, [&](schema::Message::Reader root) {
    return Decoder(limits, words).message(root);
  });
}

std::uint64_t peek_tick(std::string_view bytes) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 64;
  return with_root(bytes, options, [](schema::Message::Reader root) { return root.getTick(); });
}

bool peek_state_request(std::string_view bytes) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 64;
  return with_root(bytes, options, [](schema::Message::Reader root) {
    return root.getBody().which() == schema::Message::Body::Which::STATE_REQUEST;
  });
}

bool between_workers(const Body& body) {
  return std::holds_alternative<ItemBatch>(body) || std::holds_alternative<AckDelta>(body) ||
         std::holds_alternative<MinTimeUpdate>(body) || std::holds_alternative<FrontProgress>(body) ||
         std::holds_alternative<Commit>(body) ||
         std::holds_alternative<CommitAck>(body);
}

}  // namespace flamestream::wire
