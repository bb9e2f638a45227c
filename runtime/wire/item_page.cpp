// Pages of envelopes to and from their flat bytes (format and invariants in item_page.h).
#include "runtime/wire/item_page.h"

#include "snapshot/varint.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace flamestream::wire {

namespace {

enum Tag : std::uint8_t { kNull, kFalse, kTrue, kInteger, kReal, kBytes, kTuple };
// A versioned page begins with this byte, then its version (item_page.h): 1, times as deltas.
constexpr std::uint8_t kVersionMark = 0;
constexpr std::uint8_t kDeltaTimesVersion = 1;
constexpr std::uint8_t kTombstone = 1;
constexpr std::size_t kMaxVarint = 10;
// node, ack id (8), ts, front, flags, trace length, value tag
constexpr std::size_t kMinEnvelopeBytes = 14;

// Appends to a string through a raw cursor: capacity is made once per value, not per byte.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out), used_(out.size()) {}
  ~Writer() { out_.resize(used_); }

  // Room for `n` more bytes; the cursor stays valid until the next call.
  char* room(std::size_t n) {
    if (out_.size() < used_ + n) out_.resize(std::max(used_ + n, out_.size() * 2 + 64));
    return out_.data() + used_;
  }
  void advance(char* to) { used_ = static_cast<std::size_t>(to - out_.data()); }

 private:
  std::string& out_;
  std::size_t used_;
};

char* put_u64(char* p, std::uint64_t v) {
  if constexpr (std::endian::native != std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
  return p + 8;
}

// At most how many bytes put_scalar() writes for `value`, which is not a tuple.
std::size_t scalar_bound(const Value& value) {
  return 1 + kMaxVarint + (value.kind() == Value::Kind::string ? value.as_string().size() : 0);
}

// Writes `value`, which is not a tuple, at `p` with room for scalar_bound() bytes.
char* put_scalar(char* p, const Value& value) {
  switch (value.kind()) {
    case Value::Kind::null: *p++ = kNull; return p;
    case Value::Kind::boolean: *p++ = static_cast<char>(value.as_bool() ? kTrue : kFalse); return p;
    case Value::Kind::integer: *p++ = kInteger; return put_varint(p, zigzag(value.as_int()));
    case Value::Kind::real: *p++ = kReal; return put_u64(p, std::bit_cast<std::uint64_t>(value.as_double()));
    case Value::Kind::string: {
      const std::string& s = value.as_string();
      *p++ = kBytes;
      p = put_varint(p, s.size());
      std::memcpy(p, s.data(), s.size());
      return p + s.size();
    }
    case Value::Kind::tuple: break;
  }
  return p;  // not reached: tuples go through put_value()
}

void put_value(Writer& w, const Value& value) {
  if (value.kind() != Value::Kind::tuple) return w.advance(put_scalar(w.room(scalar_bound(value)), value));
  const Value::Elements elements = value.as_tuple();
  // A flat tuple (word count's items) gets room for all of it at once: one capacity check, not
  // one per element.
  std::size_t bound = 1 + kMaxVarint;
  bool flat = true;
  for (const Value& e : elements) {
    if (e.kind() == Value::Kind::tuple) {
      flat = false;
      break;
    }
    bound += scalar_bound(e);
  }
  char* p = w.room(flat ? bound : 1 + kMaxVarint);
  *p++ = kTuple;
  p = put_varint(p, elements.size());
  if (flat) {
    for (const Value& e : elements) p = put_scalar(p, e);
    return w.advance(p);
  }
  w.advance(p);
  for (const Value& e : elements) put_value(w, e);
}

// A version-1 page's time: the difference from the previous, modulo 2^64, zigzagged.
std::uint64_t ts_delta(Timestamp ts, Timestamp previous) {
  return zigzag(static_cast<std::int64_t>(ts - previous));
}

void put_envelope(Writer& w, NodeId node, const Item& item, std::uint64_t ack_id, Timestamp& previous_ts) {
  const Trace& trace = item.meta.trace;
  char* p = w.room(5 * kMaxVarint + 9 + 2 * kMaxVarint * trace.size());
  p = put_varint(p, node);
  p = put_u64(p, ack_id);
  p = put_varint(p, ts_delta(item.meta.time.ts, previous_ts));
  previous_ts = item.meta.time.ts;
  p = put_varint(p, item.meta.time.front);
  *p++ = static_cast<char>(item.tombstone ? kTombstone : 0);
  p = put_varint(p, trace.size());
  for (const LocalTime& t : trace) {
    p = put_varint(p, t.logical);
    p = put_varint(p, t.child);
  }
  w.advance(p);
  put_value(w, item.payload);
}

// Reads a page front to back; every read checks the bytes left.
class Reader {
 public:
  Reader(std::string_view bytes, const Limits& limits)
      : p_(reinterpret_cast<const unsigned char*>(bytes.data())), end_(p_ + bytes.size()),
        limits_(limits) {}

  std::vector<Envelope> page() {
    if (left() > 1 && *p_ == kVersionMark) {
      ++p_;
      const std::uint8_t version = byte("page version");
      if (version != kDeltaTimesVersion) fail("unknown page format version ", unsigned{version});
      delta_times_ = true;
    }
    const std::uint64_t count = varint("envelope count");
    if (count > left() / kMinEnvelopeBytes)
      fail(count, " envelopes claimed with ", left(), " bytes left");
    std::vector<Envelope> out;
    out.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) envelope(out.emplace_back());
    if (p_ != end_) fail(left(), " trailing bytes after the page's envelopes");
    return out;
  }

 private:
  // Failures: their messages are built out of line, so that the checks on the hot path stay small
  // enough to inline. `fail` names the page, `reject` only the field.
  template <class... Parts>
  [[noreturn, gnu::cold, gnu::noinline]] static void fail(const Parts&... parts) {
    reject("item page: ", parts...);
  }
  template <class... Parts>
  [[noreturn, gnu::cold, gnu::noinline]] static void reject(const Parts&... parts) {
    std::string what;
    (append(what, parts), ...);
    throw WireError(what);
  }
  static void append(std::string& out, const char* part) { out += part; }
  template <class Number>
  static void append(std::string& out, Number part) { out += std::to_string(part); }

  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

  std::uint8_t byte(const char* what) {
    if (p_ == end_) fail("truncated before ", what);
    return *p_++;
  }

  // Most varints here (ids, trace entries, lengths) fit one byte.
  std::uint64_t varint(const char* what) {
    if (p_ != end_ && *p_ < 0x80) return *p_++;
    return long_varint(what);
  }

  std::uint64_t long_varint(const char* what) {
    // With room for the longest varint left, no byte needs a check of its own: the ack id of
    // every envelope is a random 64-bit number, ten bytes.
    if (left() >= kMaxVarint) {
      std::uint64_t v = 0;
      for (unsigned i = 0; i < kMaxVarint; ++i) {
        const std::uint8_t b = p_[i];
        if (i == kMaxVarint - 1 && b > 1) break;
        v |= std::uint64_t{b & 0x7fu} << (7 * i);
        if (b < 0x80) {
          p_ += i + 1;
          return v;
        }
      }
      fail("varint of ", what, " longer than 64 bits");
    }
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = byte(what);
      if (shift == 63 && b > 1) break;
      v |= std::uint64_t{b & 0x7fu} << shift;
      if (b < 0x80) return v;
    }
    fail("varint of ", what, " longer than 64 bits");
  }

  std::uint32_t u32(const char* what) {
    const std::uint64_t v = varint(what);
    if (v > std::numeric_limits<std::uint32_t>::max()) fail(what, " out of range");
    return static_cast<std::uint32_t>(v);
  }

  // A count of elements that each take at least one more byte: never more than the bytes left.
  std::uint64_t length(const char* what) {
    const std::uint64_t n = varint(what);
    if (n > left())
      fail(n, " ", what, " claimed with ", left(), " bytes left");
    return n;
  }

  std::uint64_t u64le(const char* what) {
    if (left() < 8) fail("truncated in ", what);
    std::uint64_t v;
    std::memcpy(&v, p_, 8);
    p_ += 8;
    if constexpr (std::endian::native != std::endian::little) v = __builtin_bswap64(v);
    return v;
  }

  std::uint32_t node_id(const char* what) {
    const std::uint64_t id = varint(what);
    if (id >= limits_.node_count)
      reject(what, " ", id, " out of range (", limits_.node_count, " nodes)");
    return static_cast<std::uint32_t>(id);
  }

  void envelope(Envelope& e) {
    e.node = node_id("node id");
    e.ack_id = u64le("ack id");
    if (delta_times_) {
      previous_ts_ += static_cast<std::uint64_t>(unzigzag(varint("timestamp delta")));
      e.item.meta.time.ts = previous_ts_;
    } else {
      e.item.meta.time.ts = varint("timestamp");
    }
    const std::uint64_t front = varint("front id");
    if (!limits_.valid_front(front))
      reject("front id ", front, " out of range (", limits_.node_count, " nodes)");
    e.item.meta.time.front = static_cast<FrontId>(front);
    const std::uint8_t flags = byte("flags");
    if (flags & ~kTombstone) fail("unknown flags ", unsigned{flags});
    e.item.tombstone = (flags & kTombstone) != 0;
    const std::uint64_t n = length("local times");
    if (n > limits_.max_trace)
      reject("trace of ", n, " local times exceeds ", limits_.max_trace);
    Trace& trace = e.item.meta.trace;
    trace.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint32_t logical = u32("logical time");
      trace.push_back(LocalTime{logical, u32("child id")});
    }
    e.item.payload = read_value(0, Make{});
  }

  // Where a decoded value goes: an envelope's payload, or the next element of a tuple being built.
  // A tuple's elements are constructed where they lie in its block (add() takes what a Value is
  // made of), not built apart and moved in.
  struct Make {
    template <class Part>
    Value operator()(Part&& part) { return Value(std::forward<Part>(part)); }
  };
  struct AddTo {
    Value::TupleBuilder& tuple;
    template <class Part>
    void operator()(Part&& part) { tuple.add(std::forward<Part>(part)); }
  };

  // Copied, not a fresh Value() moved: GCC 12 sees that move read the other alternatives
  // (a false -Wmaybe-uninitialized).
  static const Value& null_value() {
    static const Value null;
    return null;
  }

  // Reads one value and hands `put` what makes it: a bool, an int64, a double, a string_view of
  // the page, or a Value (null, a built tuple).
  template <class Put>
  std::invoke_result_t<Put&, Value> read_value(std::size_t depth, Put put) {
    switch (byte("value")) {
      case kNull: return put(null_value());
      case kFalse: return put(false);
      case kTrue: return put(true);
      case kInteger: return put(unzigzag(varint("integer")));
      case kReal: return put(std::bit_cast<double>(u64le("real")));
      case kBytes: {
        const std::uint64_t n = varint("string length");
        if (n > left()) fail("string of ", n, " bytes with ", left(), " left");
        const std::string_view s(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        return put(s);
      }
      case kTuple: {
        if (depth >= limits_.max_tuple_depth)
          reject("tuples nested deeper than ", limits_.max_tuple_depth);
        const std::uint64_t n = length("tuple elements");
        Value::TupleBuilder elements(n);
        for (std::uint64_t i = 0; i < n; ++i)
          read_value(depth + 1, AddTo{elements});
        if constexpr (std::is_same_v<Put, Make>)
          return elements.build();  // the payload itself, not a Value moved into it
        else
          return put(elements.build());
      }
      default: fail("unknown value kind ", unsigned{p_[-1]});
    }
  }

  const unsigned char* p_;
  const unsigned char* end_;
  const Limits& limits_;
  bool delta_times_ = false;  // a version-1 page
  Timestamp previous_ts_ = 0;
};

}  // namespace

void encode_page(const std::vector<Envelope>& envelopes, std::string& out) {
  Writer w(out);
  char* p = w.room(2 + kMaxVarint);
  *p++ = static_cast<char>(kVersionMark);
  *p++ = static_cast<char>(kDeltaTimesVersion);
  w.advance(put_varint(p, envelopes.size()));
  Timestamp previous_ts = 0;
  // A page fills while its worker processes a whole batch: by the time it leaves, its first
  // payloads are out of the caches. Fetch each a few envelopes ahead.
  constexpr std::size_t kAhead = 4;
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    if (i + kAhead < envelopes.size()) envelopes[i + kAhead].item.payload.prefetch_elements();
    const Envelope& e = envelopes[i];
    put_envelope(w, e.node, e.item, e.ack_id, previous_ts);
  }
}

void encode_envelopes(const std::vector<std::pair<NodeId, const Item*>>& items, std::string& out,
                      Timestamp& previous_ts) {
  Writer w(out);
  // The items lie all over the state, out of the caches: fetch each, then its payload, ahead.
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i + kAhead < items.size()) __builtin_prefetch(items[i + kAhead].second);
    if (i + kAhead / 2 < items.size()) items[i + kAhead / 2].second->payload.prefetch_elements();
    put_envelope(w, items[i].first, *items[i].second, 0, previous_ts);
  }
}

void close_page(std::uint64_t count, std::string& page) {
  static_assert(kPageCountRoom == 2 + kMaxVarint);
  char header[2 + kMaxVarint] = {static_cast<char>(kVersionMark), static_cast<char>(kDeltaTimesVersion)};
  const auto length = static_cast<std::size_t>(put_varint(header + 2, count) - header);
  std::memcpy(page.data() + kPageCountRoom - length, header, length);
  page.erase(0, kPageCountRoom - length);
}

std::vector<Envelope> decode_page(std::string_view bytes, const Limits& limits) {
  return Reader(bytes, limits).page();
}

}  // namespace flamestream::wire
