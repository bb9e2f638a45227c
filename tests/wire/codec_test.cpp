// Round trips of every message body and value kind, and one test per validation rule of decode().
#include "runtime/wire/codec.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "runtime/wire/messages.capnp.h"
#include "tests/wire/samples.h"

namespace flamestream::wire {
namespace {

using namespace samples;
using ::testing::HasSubstr;

bool same_envelope(const Envelope& a, const Envelope& b) {
  return a.node == b.node && a.ack_id == b.ack_id && a.item.meta == b.item.meta &&
         a.item.tombstone == b.item.tombstone && a.item.payload == b.item.payload;
}

Message round_trip(const Message& m, const Limits& limits = default_limits()) {
  return decode(encode(m), limits);
}

// Decodes `bytes` expecting a WireError whose message contains `problem`.
void expect_rejected(const std::string& bytes, const std::string& problem,
                     const Limits& limits = default_limits()) {
  try {
    decode(bytes, limits);
    ADD_FAILURE() << "decode accepted a message that should fail with '" << problem << "'";
  } catch (const WireError& e) {
    EXPECT_THAT(e.what(), HasSubstr(problem));
  }
}

std::string flat(capnp::MessageBuilder& builder) {
  auto words = capnp::messageToFlatArray(builder);
  return std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
}

// The raw sections of a generated struct builder (taken by value: AnyStruct wants an rvalue).
template <typename B>
capnp::AnyStruct::Builder any_struct(B builder) {
  return capnp::AnyStruct::Builder(kj::mv(builder));
}

void set_discriminant(capnp::AnyStruct::Builder s, std::uint32_t offset, std::uint16_t value) {
  auto data = s.getDataSection();
  data[offset * 2] = static_cast<kj::byte>(value & 0xff);
  data[offset * 2 + 1] = static_cast<kj::byte>(value >> 8);
}

TEST(WireRoundTrip, EveryValueKindInAnItemBatch) {
  const ItemBatch batch = sample_batch();
  const Message out = round_trip({77, 3, batch});
  EXPECT_EQ(out.tick, 77u);
  EXPECT_EQ(out.sender, 3u);
  const auto& got = std::get<ItemBatch>(out.body).envelopes;
  ASSERT_EQ(got.size(), batch.envelopes.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(same_envelope(got[i], batch.envelopes[i])) << "envelope " << i;
  EXPECT_EQ(got[7].item.payload.as_double(), 0.0);
  EXPECT_TRUE(std::signbit(got[7].item.payload.as_double()));
  EXPECT_EQ(got[12].item.payload.as_string(), std::string("a\0b\0\0", 5));
}

TEST(WireRoundTrip, NaNKeepsItsBits) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Message out = round_trip({0, 0, ItemBatch{{envelope(1, Value(nan))}}});
  const double got = std::get<ItemBatch>(out.body).envelopes.at(0).item.payload.as_double();
  EXPECT_EQ(std::memcmp(&got, &nan, sizeof nan), 0);
}

TEST(WireRoundTrip, LongTraceAndDeepTupleAtTheLimits) {
  const Limits limits = default_limits();
  Trace trace(limits.max_trace);
  for (std::size_t i = 0; i < trace.size(); ++i)
    trace[i] = LocalTime{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(~i)};
  const Envelope e = envelope(4, nested_tuple(limits.max_tuple_depth), trace, true);
  const Message out = round_trip({0, 1, ItemBatch{{e}}});
  EXPECT_TRUE(same_envelope(std::get<ItemBatch>(out.body).envelopes.at(0), e));
}

TEST(WireRoundTrip, EveryBodyKind) {
  for (const Message& m : sample_messages()) {
    const Message out = round_trip(m);
    EXPECT_EQ(out.tick, m.tick);
    EXPECT_EQ(out.sender, m.sender);
    ASSERT_EQ(out.body.index(), m.body.index()) << "tick " << m.tick;
    // The encoding is deterministic, so equal bytes mean an equal message.
    EXPECT_EQ(encode(out), encode(m)) << "tick " << m.tick;
  }
  const auto ingest = std::get<IngestLines>(round_trip(sample_messages()[5]).body);
  EXPECT_EQ(ingest.front, "numbers");
  EXPECT_EQ(ingest.seq, 42u);
  EXPECT_EQ(ingest.lines, (std::vector<std::string>{"1", "", std::string("x\0y", 3),
                                                    std::string(300, 'z')}));
  EXPECT_TRUE(ingest.close);
  const auto delta = std::get<AckDelta>(round_trip(sample_messages()[2]).body);
  ASSERT_EQ(delta.slots.size(), 3u);
  EXPECT_EQ(delta.slots[1].slot_ts, 64u);
  EXPECT_EQ(delta.slots[1].xor_ids, ~0ULL);
  ASSERT_EQ(delta.reports.size(), 2u);
  EXPECT_EQ(delta.reports[1].front, 3u);
  EXPECT_EQ(delta.reports[1].next_ts, kInfinity);
  const auto ack = std::get<IngestAck>(round_trip(sample_messages()[7]).body);
  EXPECT_EQ(ack.error, "input line 45: not a number");
  EXPECT_EQ(ack.accepted, 3u);
  const auto tail = std::get<TailReply>(round_trip(sample_messages()[10]).body);
  EXPECT_EQ(tail.lines.at(2), std::string(1, '\0'));
  EXPECT_TRUE(tail.done);
  EXPECT_EQ(std::get<TailRequest>(round_trip(sample_messages()[9]).body).sink, "out");
  EXPECT_EQ(std::get<MinTimeUpdate>(round_trip(sample_messages()[4]).body).ts, kInfinity);
}

// A worker answers state requests of any tick, so it must tell one apart from the header alone.
TEST(WirePeek, StateRequestIsToldApartFromEveryOtherBody) {
  std::size_t requests = 0;
  for (const Message& m : sample_messages()) {
    const bool is_request = std::holds_alternative<StateRequest>(m.body);
    requests += is_request;
    EXPECT_EQ(peek_state_request(encode(m)), is_request) << "tick " << m.tick;
    EXPECT_EQ(peek_tick(encode(m)), m.tick);
  }
  EXPECT_EQ(requests, 1u) << "the samples must hold one state request";
  EXPECT_THROW(peek_state_request(std::string(8, '\xff')), WireError);
}

TEST(WireRoundTrip, UnalignedInput) {
  const std::string bytes = encode(sample_messages()[0]);
  std::string shifted = " " + bytes;
  const Message out = decode(std::string_view(shifted).substr(1), default_limits());
  EXPECT_EQ(encode(out), bytes);
}

TEST(WireRoundTrip, LargeBatchSpansSeveralSegments) {
  ItemBatch batch;
  for (int i = 0; i < 20000; ++i)
    batch.envelopes.push_back(envelope(i % kNodes, Value::tuple({Value(std::string(i % 50, 'k')),
                                                                 Value(std::int64_t{i})})));
  const Message out = round_trip({0, 0, batch});
  const auto& got = std::get<ItemBatch>(out.body).envelopes;
  ASSERT_EQ(got.size(), batch.envelopes.size());
  for (std::size_t i = 0; i < got.size(); i += 997)
    EXPECT_TRUE(same_envelope(got[i], batch.envelopes[i])) << "envelope " << i;
}

// The decode budget charges each element and blob no more words than an honest encoding spends
// on it: messages made almost entirely of minimal elements must still decode.
TEST(WireRoundTrip, DenseMessagesFitTheDecodeBudget) {
  const std::vector<std::string> lines(5000, std::string(8, 'l'));
  EXPECT_NO_THROW(round_trip({0, 0, TailReply{0, lines, false, {}, 0}}));
  EXPECT_NO_THROW(round_trip({0, 0, IngestLines{std::string(4095, 'f'), 0, lines, false}}));
  EXPECT_NO_THROW(round_trip({0, 0, TailReply{0, std::vector<std::string>(5000), false, {}, 0}}));
  EXPECT_NO_THROW(round_trip({0, 0, TailRequest{std::string(7, 's'), 0}}));
  Value::Tuple strings(5000, Value(std::string(16, 's')));
  Value::Tuple nulls(5000, Value());
  EXPECT_NO_THROW(round_trip({0, 0, ItemBatch{{envelope(1, Value::tuple(strings)),
                                               envelope(2, Value::tuple(nulls), Trace(4000))}}}));
  ItemBatch bare;
  bare.envelopes.resize(5000);
  EXPECT_NO_THROW(round_trip({0, 0, bare}));
  std::vector<AckDelta::Slot> slots(5000);
  EXPECT_NO_THROW(round_trip({0, 0, AckDelta{slots, {}}}));
}

TEST(WireValidation, LengthAndFraming) {
  const std::string good = encode(sample_messages()[0]);
  expect_rejected("", "empty message");
  expect_rejected(good.substr(0, good.size() - 1), "not a multiple of 8");
  expect_rejected(good.substr(0, good.size() - 8), "malformed message");
  expect_rejected(good + std::string(8, '\0'), "trailing words");
  expect_rejected(std::string(8, '\xff'), "malformed message");
}

TEST(WireValidation, TraversalLimit) {
  Limits limits = default_limits();
  limits.traversal_words = 64;
  expect_rejected(encode(sample_messages()[0]), "traversal limit", limits);
}

// A page of one item, and an ingest batch of one line, each of 65 MiB: past the default traversal
// limit (64 MiB) by their size alone. Sized for the bytes received, the limits take them whole.
TEST(WireValidation, AMessageLargerThanTheDefaultTraversalLimitDecodesWithLimitsSizedForIt) {
  const std::string line(std::size_t{65} << 20, 'w');
  IngestLines lines;
  lines.front = "in";
  lines.lines = {line};
  for (const std::string& bytes :
       {encode({0, 0, ItemBatch{{envelope(1, Value(line))}}}), encode({0, 0, std::move(lines)})}) {
    expect_rejected(bytes, "traversal limit");
    const Message m = decode(bytes, sized_for(default_limits(), bytes.size()));
    if (const auto* batch = std::get_if<ItemBatch>(&m.body)) {
      EXPECT_EQ(batch->envelopes.at(0).item.payload.as_string().size(), line.size());
    } else {
      EXPECT_EQ(std::get<IngestLines>(m.body).lines.at(0).size(), line.size());
    }
  }
  EXPECT_EQ(sized_for(default_limits(), 100).traversal_words, default_limits().traversal_words)
      << "small messages keep the default";
}

TEST(WireValidation, NodeAndFrontIds) {
  expect_rejected(encode({0, 0, ItemBatch{{envelope(1, Value()), envelope(kNodes, Value())}}}),
                  "node id 10 out of range");
  Envelope e = envelope(1, Value());
  e.item.meta.time.front = 1000;
  expect_rejected(encode({0, 0, ItemBatch{{e}}}), "front id 1000 out of range");
  expect_rejected(encode({0, 0, AckDelta{{}, {{static_cast<FrontId>(kNodes), 5}}}}),
                  "reporting front id 10 out of range");
}

TEST(WireValidation, Sender) {
  expect_rejected(encode({0, static_cast<WorkerId>(kWorkers), Stop{}}), "sender 4 out of range");
}

TEST(WireValidation, TraceLength) {
  Limits limits = default_limits();
  limits.max_trace = 10;
  expect_rejected(encode({0, 0, ItemBatch{{envelope(1, Value(), Trace(11))}}}),
                  "trace of 11 local times exceeds 10", limits);
}

TEST(WireValidation, TupleDepth) {
  const Limits limits = default_limits();
  const std::string deep =
      encode({0, 0, ItemBatch{{envelope(1, nested_tuple(limits.max_tuple_depth + 1))}}});
  expect_rejected(deep, "tuples nested deeper than 32");
  Limits shallow = limits;
  shallow.max_tuple_depth = 2;
  expect_rejected(encode({0, 0, ItemBatch{{envelope(1, nested_tuple(3))}}}),
                  "tuples nested deeper than 2", shallow);
  EXPECT_NO_THROW(decode(encode({0, 0, ItemBatch{{envelope(1, nested_tuple(2))}}}), shallow));
}

TEST(WireValidation, MissingAndUnknownBody) {
  const auto body_schema = capnp::Schema::from<schema::Message::Body>();
  const std::uint32_t offset = body_schema.getProto().getStruct().getDiscriminantOffset();
  {
    capnp::MallocMessageBuilder builder;
    builder.initRoot<schema::Message>();
    expect_rejected(flat(builder), "message has no body");
  }
  {
    capnp::MallocMessageBuilder builder;
    auto root = builder.initRoot<schema::Message>();
    root.initBody().setStop();
    set_discriminant(any_struct(root), offset, 200);
    expect_rejected(flat(builder), "unknown message body 200");
  }
}

TEST(WireValidation, UnknownValueKind) {
  const std::uint32_t offset =
      capnp::Schema::from<schema::Value>().getProto().getStruct().getDiscriminantOffset();
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<schema::Message>();
  auto envelope = root.initBody().initItems(1)[0];
  auto payload = envelope.initPayload();
  payload.setInteger(5);
  set_discriminant(any_struct(payload), offset, 9);
  expect_rejected(flat(builder), "unknown value kind 9");
}

TEST(WireValidation, ZeroSizedElementsCannotAmplify) {
  const auto items = capnp::Schema::from<schema::Message::Body>().getFieldByName("items");
  const std::uint32_t pointer = items.getProto().getSlot().getOffset();
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<schema::Message>();
  root.initBody().initItems(0);
  // A million envelopes in no words at all: Cap'n Proto counts them against the traversal
  // limit only, so without the decode budget they would decode to ~100 MB of defaults.
  any_struct(root).getPointerSection()[pointer].initAsListOfAnyStruct(0, 0, 1 << 20);
  const std::string bytes = flat(builder);
  EXPECT_LT(bytes.size(), 128u);
  expect_rejected(bytes, "decodes to more than it holds");
}

TEST(WireValidation, TextWithoutTerminator) {
  std::string bytes = encode({0, 0, TailRequest{"abcdefg", 1}});
  const auto at = bytes.find(std::string("abcdefg\0", 8));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 7] = 'h';
  expect_rejected(bytes, "malformed message");
}

}  // namespace
}  // namespace flamestream::wire
