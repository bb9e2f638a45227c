// The flat item page inside a message: its validation rules one by one, mutations of valid pages,
// and the Cap'n Proto item list that older encoders (and older snapshots) still use.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "runtime/wire/codec.h"
#include "runtime/wire/messages.capnp.h"
#include "tests/wire/samples.h"

namespace flamestream::wire {
namespace {

using namespace samples;
using ::testing::HasSubstr;

std::string flat(capnp::MessageBuilder& builder) {
  auto words = capnp::messageToFlatArray(builder);
  return std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
}

// A message whose body is `page`, byte for byte.
std::string message_with_page(const std::string& page) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<schema::Message>();
  root.initBody().setPage(
      capnp::Data::Reader(reinterpret_cast<const kj::byte*>(page.data()), page.size()));
  return flat(builder);
}

// The page inside an encoded message.
std::string page_in(const std::string& bytes) {
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / 8);
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  capnp::FlatArrayMessageReader reader(words.asPtr());
  auto page = reader.getRoot<schema::Message>().getBody().getPage();
  return std::string(reinterpret_cast<const char*>(page.begin()), page.size());
}

// The page inside an encoded ItemBatch.
std::string page_of(const ItemBatch& batch) { return page_in(encode({0, 0, batch})); }

void expect_rejected(const std::string& page, const std::string& problem,
                     const Limits& limits = default_limits()) {
  try {
    decode(message_with_page(page), limits);
    ADD_FAILURE() << "a page that should fail with '" << problem << "' decoded";
  } catch (const WireError& e) {
    EXPECT_THAT(e.what(), HasSubstr(problem));
  }
}

// One envelope: node 1, ack id 0, ts 5, front 2, then `rest` (flags, trace, value).
std::string one_envelope(const std::string& rest) {
  return std::string("\x01\x01", 2) + std::string(8, '\0') + "\x05\x02" + rest;
}

TEST(ItemPage, IsWhatAnItemBatchEncodesTo) {
  const ItemBatch batch = sample_batch();
  const std::string page = page_of(batch);
  const auto got = std::get<ItemBatch>(decode(message_with_page(page), default_limits()).body);
  ASSERT_EQ(got.envelopes.size(), batch.envelopes.size());
  EXPECT_EQ(page_of(got), page);
  // A word-count item (a word and a count, a trace of four) takes some forty bytes.
  Envelope e = envelope(3, Value::tuple({Value("whatever"), Value(std::int64_t{1})}),
                        {{0, 0}, {0, 1}, {0, 0}, {1, 0}});
  EXPECT_LT(page_of(ItemBatch{{e}}).size(), 48u);
}

// A page travels as a segment of its own, padded to whole words from a buffer each encode on the
// thread reuses: what a longer page left there must not show in a shorter one's padding.
TEST(ItemPage, PageSegmentPaddingIsZero) {
  for (std::size_t words = 1; words < 12; ++words) {
    const ItemBatch shorter{{envelope(1, Value(std::string(words, 'x')))}};
    const std::string before = encode({3, 1, shorter});
    ItemBatch longer;
    for (int i = 0; i < 50; ++i) longer.envelopes.push_back(envelope(2, Value(std::string(300, '\xff'))));
    encode({3, 1, longer});
    EXPECT_EQ(encode({3, 1, shorter}), before);
    ASSERT_EQ(before.size() % 8, 0u);
    const auto got = std::get<ItemBatch>(decode(before, default_limits()).body);
    ASSERT_EQ(got.envelopes.size(), 1u);
    EXPECT_EQ(got.envelopes[0].item.payload, shorter.envelopes[0].item.payload);
  }
}

// A snapshot's page: items held in place, encoded in parts, frame to the message their envelopes
// encode to.
TEST(ItemPage, ItemsInPlaceEncodedInPartsAreTheirBatchsPage) {
  ItemBatch batch = sample_batch();
  for (Envelope& e : batch.envelopes) e.ack_id = 0;  // a snapshot's envelopes carry no ack id
  std::vector<std::pair<NodeId, const Item*>> in_place;
  for (const Envelope& e : batch.envelopes) in_place.emplace_back(e.node, &e.item);
  ASSERT_GE(in_place.size(), 2u);
  PageEncoder encoder;
  for (int round = 0; round < 2; ++round) {  // the second page after the first
    encoder.append({in_place.begin(), in_place.begin() + 1});
    encoder.append({});
    encoder.append({in_place.begin() + 1, in_place.end()});
    const std::string page = encoder.finish();
    EXPECT_EQ(page, page_of(batch)) << round;
    const std::string bytes = encode_page_message(3, 1, page);
    EXPECT_EQ(page_in(bytes), page_of(batch)) << round;  // the segments may be cut differently
    const Message m = decode(bytes, default_limits());
    EXPECT_EQ(m.tick, 3u);
    EXPECT_EQ(m.sender, 1u);
    ASSERT_EQ(std::get<ItemBatch>(m.body).envelopes.size(), batch.envelopes.size());
  }
  EXPECT_EQ(encoder.finish(), page_of(ItemBatch{}));
  // A count of more than one varint byte.
  std::vector<Envelope> copies(300, batch.envelopes.front());
  std::vector<std::pair<NodeId, const Item*>> many(300, in_place.front());
  encoder.append({many.begin(), many.begin() + 100});
  encoder.append({many.begin() + 100, many.end()});
  EXPECT_EQ(encoder.finish(), page_of(ItemBatch{copies}));
}

TEST(ItemPage, MinimalEnvelopeDecodes) {
  const auto got = decode(message_with_page(one_envelope(std::string("\x00\x00\x03\x07", 4))),
                          default_limits());
  const auto& e = std::get<ItemBatch>(got.body).envelopes.at(0);
  EXPECT_EQ(e.node, 1u);
  EXPECT_EQ(e.item.meta.time.ts, 5u);
  EXPECT_EQ(e.item.meta.time.front, 2u);
  EXPECT_EQ(e.item.payload, Value(std::int64_t{-4}));  // zigzag 7
}

TEST(ItemPage, Validation) {
  const std::string ok_value("\x00\x00\x00", 3);  // flags, no trace, null
  expect_rejected("", "truncated before envelope count");
  expect_rejected("\x05", "5 envelopes claimed with 0 bytes left");
  expect_rejected(one_envelope(ok_value) + "x", "1 trailing bytes");
  expect_rejected(one_envelope(std::string("\x00\x01\x00\x00", 4)), "truncated before value");
  expect_rejected(std::string("\x01\x0a", 2) + std::string(20, '\0'), "node id 10 out of range");
  std::string far_front = one_envelope(ok_value);
  far_front[11] = 0x7f;
  expect_rejected(far_front, "front id 127 out of range");
  expect_rejected(one_envelope(std::string("\x04\x00\x00", 3)), "unknown flags 4");
  expect_rejected(one_envelope(std::string("\x00\x00\x09", 3)), "unknown value kind 9");
  expect_rejected(one_envelope(std::string("\x00\x00\x05\x40xy", 6)), "string of 64 bytes with 2 left");
  expect_rejected(one_envelope(std::string("\x00\x00\x06\x40\x00", 5)), "64 tuple elements claimed");
  expect_rejected(one_envelope(std::string("\x00\x02\x01\x01\x01", 5)), "truncated before child id");
  expect_rejected(one_envelope(std::string("\x00\x01\x80\x80\x80\x80\x10\x00\x00", 9)),
                  "logical time out of range");
  expect_rejected(one_envelope(std::string("\x00\x00\x03", 3) + std::string(10, '\xff') + "\x01"),
                  "varint of integer longer than 64 bits");
  Limits short_traces = default_limits();
  short_traces.max_trace = 1;
  expect_rejected(one_envelope(std::string("\x00\x02\x00\x00\x00\x00\x00", 7)),
                  "trace of 2 local times exceeds 1", short_traces);
  Limits shallow = default_limits();
  shallow.max_tuple_depth = 1;
  expect_rejected(one_envelope(std::string("\x00\x00\x06\x01\x06\x00", 6)),
                  "tuples nested deeper than 1", shallow);
}

// Random edits of valid pages inside a valid frame: each decodes or is a WireError, and what
// decodes encodes to a page that decodes to the same again.
void expect_mutations_decode_or_fail_cleanly(const std::string& seed) {
  std::mt19937_64 rng(4242);
  int accepted = 0;
  int rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string page = seed;
    for (int k = 1 + static_cast<int>(rng() % 4); k > 0; --k) {
      const std::size_t at = rng() % page.size();
      switch (rng() % 3) {
        case 0: page[at] = static_cast<char>(rng()); break;
        case 1: page[at] = static_cast<char>(rng() % 8); break;
        case 2: page.resize(at); break;
      }
      if (page.empty()) break;
    }
    Message m;
    try {
      m = decode(message_with_page(page), default_limits());
    } catch (const WireError&) {
      ++rejected;
      continue;
    }
    ++accepted;
    const std::string again = encode(m);
    EXPECT_EQ(encode(decode(again, default_limits())), again);
  }
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
}

TEST(ItemPage, MutationsDecodeOrFailCleanly) { expect_mutations_decode_or_fail_cleanly(page_of(sample_batch())); }

// Pages of version 0 (no header, absolute times), as snapshots written before version 1 hold them.
TEST(ItemPage, VersionZeroMutationsDecodeOrFailCleanly) {
  const std::string ok_value("\x00\x01\x03\x01\x06\x02\x05\x02hi\x03\x04", 12);
  expect_mutations_decode_or_fail_cleanly("\x03" + one_envelope(ok_value).substr(1) +
                                          one_envelope(ok_value).substr(1) + one_envelope(ok_value).substr(1));
}

// An envelope of a version-0 page (`ts` absolute, one byte) for node 1, front 2, a null payload.
std::string version_zero_envelope(char ts) {
  return std::string("\x01", 1) + std::string(8, '\0') + ts + std::string("\x02\x00\x00\x00", 4);
}

TEST(ItemPage, VersionZeroPagesStillDecode) {
  // Times absolute, not deltas: 5 then 3 (a delta of 3 would give 8, or wrap below 0 with -2).
  const std::string page = std::string("\x02") + version_zero_envelope(5) + version_zero_envelope(3);
  const auto got = std::get<ItemBatch>(decode(message_with_page(page), default_limits()).body);
  ASSERT_EQ(got.envelopes.size(), 2u);
  EXPECT_EQ(got.envelopes[0].item.meta.time.ts, 5u);
  EXPECT_EQ(got.envelopes[1].item.meta.time.ts, 3u);
  // Encoded again, it is a version-1 page with the same times.
  const std::string again = page_of(got);
  EXPECT_EQ(again.substr(0, 2), std::string("\x00\x01", 2));
  const auto round = std::get<ItemBatch>(decode(message_with_page(again), default_limits()).body);
  EXPECT_EQ(round.envelopes[1].item.meta.time.ts, 3u);
  // The empty page of version 0 is the one that begins with 0x00.
  EXPECT_TRUE(std::get<ItemBatch>(decode(message_with_page(std::string(1, '\0')), default_limits()).body)
                  .envelopes.empty());
}

TEST(ItemPage, TimesAreDeltasFromThePreviousEnvelope) {
  const auto batch_at = [](std::vector<Timestamp> times) {
    ItemBatch batch;
    for (Timestamp ts : times) {
      batch.envelopes.push_back(envelope(1, Value()));
      batch.envelopes.back().item.meta.time.ts = ts;
    }
    return batch;
  };
  constexpr Timestamp t = 1'733'450'000'123'456'789ULL;  // nanoseconds: nine bytes on their own
  // The second time costs one byte when equal to the first, two when 100 ns later: a delta.
  EXPECT_EQ(page_of(batch_at({t, t})).size(), page_of(batch_at({0, 0})).size() + 8);
  EXPECT_EQ(page_of(batch_at({t, t + 100})).size(), page_of(batch_at({t, t})).size() + 1);
  // Any sequence round-trips, backwards and across the ends of the range (modulo 2^64).
  const std::vector<Timestamp> times = {t, t + 1500, t - 200, 0, ~Timestamp{0}, 1, ~Timestamp{0} / 2, 0};
  const auto got = std::get<ItemBatch>(decode(encode({0, 0, batch_at(times)}), default_limits()).body);
  ASSERT_EQ(got.envelopes.size(), times.size());
  for (std::size_t i = 0; i < times.size(); ++i) EXPECT_EQ(got.envelopes[i].item.meta.time.ts, times[i]) << i;
}

TEST(ItemPage, VersionHeaderValidation) {
  expect_rejected(std::string("\x00\x02\x00", 3), "unknown page format version 2");
  expect_rejected(std::string("\x00\x01", 2), "truncated before envelope count");
  expect_rejected(std::string("\x00\x01\x01\x01", 4) + std::string(8, '\0') + std::string(10, '\xff') + "\x01",
                  "varint of timestamp delta longer than 64 bits");
  EXPECT_TRUE(std::get<ItemBatch>(decode(message_with_page(std::string("\x00\x01\x00", 3)), default_limits()).body)
                  .envelopes.empty());
  // A delta below 0 wraps (modulo 2^64): a time, not an error.
  const std::string wraps = std::string("\x00\x01\x01\x01", 4) + std::string(8, '\0') + "\x01\x02" +
                            std::string("\x00\x00\x00", 3);
  const auto got = std::get<ItemBatch>(decode(message_with_page(wraps), default_limits()).body);
  EXPECT_EQ(got.envelopes.at(0).item.meta.time.ts, ~Timestamp{0});
}

// Snapshots written before pages were flat hold the Cap'n Proto list form: it still decodes.
TEST(ItemPage, OlderItemListStillDecodes) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<schema::Message>();
  auto list = root.initBody().initItems(2);
  list[0].setNode(4);
  list[0].setAckId(99);
  list[0].setTs(1000);
  list[0].setFront(1);
  auto trace = list[0].initTrace(2);
  trace[1].setLogical(3);
  trace[1].setChild(1);
  auto tuple = list[0].initPayload().initTuple(2);
  tuple[0].setBytes(capnp::Data::Reader(reinterpret_cast<const kj::byte*>("word"), 4));
  tuple[1].setInteger(7);
  list[1].setNode(2);
  list[1].setTombstone(true);
  list[1].initPayload().setReal(0.5);
  const auto got = std::get<ItemBatch>(decode(flat(builder), default_limits()).body).envelopes;
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].node, 4u);
  EXPECT_EQ(got[0].ack_id, 99u);
  EXPECT_EQ(got[0].item.meta, (Meta{{1000, 1}, {{0, 0}, {3, 1}}}));
  EXPECT_EQ(got[0].item.payload, Value::tuple({Value("word"), Value(std::int64_t{7})}));
  EXPECT_TRUE(got[1].item.tombstone);
  EXPECT_EQ(got[1].item.payload, Value(0.5));
}

}  // namespace
}  // namespace flamestream::wire
