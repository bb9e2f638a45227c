#include "model/value.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <new>
#include <stdexcept>

#include "model/errors.h"

namespace flamestream {

void Value::wrong_kind(Kind expected, Kind actual) {
  throw ValueError(std::string("expected a ") + kind_name(expected) + " value, got " +
                   kind_name(actual));
}

namespace {

// Seeds separate the kinds, so 1, 1.0, "1" and (1) hash differently.
constexpr std::uint64_t seed_of(Value::Kind kind) {
  return 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(kind) + 1);
}

// One representative per equality class of doubles: -0.0 is 0.0, and every NaN is one NaN.
double canonical(double d) {
  if (std::isnan(d)) return std::numeric_limits<double>::quiet_NaN();
  return d == 0.0 ? 0.0 : d;
}

std::strong_ordering compare_doubles(double a, double b) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? std::strong_ordering::equal : (na ? std::strong_ordering::greater : std::strong_ordering::less);
  if (a < b) return std::strong_ordering::less;
  if (a > b) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

template <typename T>
std::uint64_t hash_scalar(T v, Value::Kind kind) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  return XXH3_64bits_withSeed(bytes, sizeof(T), seed_of(kind));
}

}  // namespace

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::null: return "null";
    case Value::Kind::boolean: return "bool";
    case Value::Kind::integer: return "int";
    case Value::Kind::real: return "double";
    case Value::Kind::string: return "string";
    case Value::Kind::tuple: return "tuple";
  }
  return "?";
}

namespace detail {

static_assert(sizeof(TupleBlock) % alignof(Value) == 0, "tuple elements must be aligned in the block");

namespace {

// Freed blocks of up to kPooledSize elements wait in a per-thread list per capacity and are reused
// before malloc is asked: word count builds and drops about four small tuples a word, which the
// allocator otherwise serves from its slow paths (the blocks outlive its small per-thread caches:
// the grouping and the sink hold them for a while). A block freed on another thread than the one
// that built it simply joins that thread's list. Each list holds at most 8 MiB of blocks (65 536
// of word count's 1–3-element tuples): releases and trims free tuples in bursts as large as what
// the sink and the groupings held between two advances of the minimal time, and a list shorter
// than a burst sends the rest to malloc, only for the next burst to take it back from there (word
// count, 1 M words, one worker: 1.29 M of 4 M tuples came from malloc with 8 192 blocks a list,
// 0.59 M with 32 768, 0.18 M — about its live grouping state — with 65 536). A list only ever
// holds blocks its thread freed, so what it keeps is at most the thread's own earlier peak.
constexpr std::size_t kPooledSize = 8;
constexpr auto kPoolDepth = [] {
  std::array<std::uint32_t, kPooledSize + 1> depth{};
  for (std::size_t c = 0; c <= kPooledSize; ++c) {
    const std::size_t blocks = (std::size_t{8} << 20) / (sizeof(TupleBlock) + c * sizeof(Value));
    depth[c] = static_cast<std::uint32_t>(std::min<std::size_t>(blocks, 65536));
  }
  return depth;
}();

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so it stays usable while the thread's other thread_locals are destroyed
// (a Value among them frees its block after the pool is closed: straight to the allocator).
struct Pool {
  FreeBlock* heads[kPooledSize + 1];
  std::uint32_t counts[kPooledSize + 1];
  bool open;
  bool closed;
};
thread_local Pool pool{};

struct PoolCloser {
  ~PoolCloser() {
    pool.closed = true;
    for (std::size_t c = 0; c <= kPooledSize; ++c) {
      while (FreeBlock* b = pool.heads[c]) {
        pool.heads[c] = b->next;
        ::operator delete(b);
      }
      pool.counts[c] = 0;
    }
  }
};

void open_pool() {
  thread_local PoolCloser closer;
  (void)closer;
  pool.open = true;
}

}  // namespace

TupleBlock* TupleRef::allocate(std::size_t size) {
  if (size > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("tuple too long");
  void* memory = nullptr;
  if (size <= kPooledSize && pool.heads[size] != nullptr) {
    FreeBlock* b = pool.heads[size];
    pool.heads[size] = b->next;
    // The list's blocks were freed a while ago and are mostly out of the caches: fetch the next
    // one now, so that the next pop does not wait for it.
    if (b->next) __builtin_prefetch(b->next);
    --pool.counts[size];
    memory = b;
  } else {
    memory = ::operator new(sizeof(TupleBlock) + size * sizeof(Value));
  }
  auto* block = static_cast<TupleBlock*>(memory);
  new (&block->refs) std::atomic<std::uint32_t>(1);
  block->size = 0;
  return block;
}

void TupleRef::destroy(TupleBlock* block, std::size_t capacity) noexcept {
  Value* elements = block->elements();
  for (std::uint32_t i = 0; i < block->size; ++i) elements[i].~Value();
  if (capacity <= kPooledSize && !pool.closed && pool.counts[capacity] < kPoolDepth[capacity]) {
    if (!pool.open) open_pool();
    auto* b = reinterpret_cast<FreeBlock*>(block);
    b->next = pool.heads[capacity];
    pool.heads[capacity] = b;
    ++pool.counts[capacity];
    return;
  }
  ::operator delete(block);
}

}  // namespace detail

Value::TupleBuilder::TupleBuilder(std::size_t size)
    : block_(size ? detail::TupleRef::allocate(size) : nullptr), capacity_(size) {}

Value::TupleBuilder::~TupleBuilder() {
  if (block_) detail::TupleRef::destroy(block_, capacity_);
}

void Value::TupleBuilder::overflow() { on_internal_error("TupleBuilder: more elements than its size"); }

Value Value::TupleBuilder::build() {
  if ((block_ ? block_->size : 0) != capacity_) on_internal_error("TupleBuilder: fewer elements than its size");
  Value v;
  v.v_ = detail::TupleRef(block_);
  block_ = nullptr;
  return v;
}

Value Value::tuple(Tuple elements) {
  TupleBuilder b(elements.size());
  for (Value& e : elements) b.add(std::move(e));
  return b.build();
}

Value Value::tuple(std::initializer_list<Value> elements) {
  TupleBuilder b(elements.size());
  for (const Value& e : elements) b.add(e);
  return b.build();
}

const Value& Value::Elements::at(std::size_t i) const {
  if (i >= size_) throw std::out_of_range("tuple element " + std::to_string(i) + " of " + std::to_string(size_));
  return data_[i];
}

bool operator==(const Value::Elements& a, const Value::Elements& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

std::string Value::to_text() const {
  std::string out;
  append_text(out);
  return out;
}

void Value::append_text(std::string& out) const {
  switch (kind()) {
    case Kind::null: out += "null"; return;
    case Kind::boolean: out += as_bool() ? "true" : "false"; return;
    case Kind::integer: {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof buf, as_int());
      out.append(buf, res.ptr);
      return;
    }
    case Kind::real: {
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, as_double());  // shortest round-trip form
      out.append(buf, res.ptr);
      return;
    }
    case Kind::string: out += as_string(); return;
    case Kind::tuple: {
      out += '(';
      bool first = true;
      for (const Value& e : as_tuple()) {
        if (!first) out += '|';
        first = false;
        e.append_text(out);
      }
      out += ')';
      return;
    }
  }
}

std::uint64_t Value::hash() const {
  switch (kind()) {
    case Kind::null: return seed_of(Kind::null);
    case Kind::boolean: return hash_scalar<std::uint8_t>(as_bool() ? 1 : 0, Kind::boolean);
    case Kind::integer: return hash_scalar(as_int(), Kind::integer);
    case Kind::real: return hash_scalar(canonical(as_double()), Kind::real);
    case Kind::string: {
      const std::string& s = as_string();
      return XXH3_64bits_withSeed(s.data(), s.size(), seed_of(Kind::string));
    }
    case Kind::tuple: {
      const Elements t = as_tuple();
      std::uint64_t small[16];
      std::vector<std::uint64_t> large;
      std::uint64_t* parts = small;
      if (t.size() > std::size(small)) {
        large.resize(t.size());
        parts = large.data();
      }
      for (std::size_t i = 0; i < t.size(); ++i) parts[i] = t[i].hash();
      return XXH3_64bits_withSeed(parts, t.size() * sizeof(std::uint64_t), seed_of(Kind::tuple));
    }
  }
  return 0;
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  // Strings first, without the variant's visit: a grouping compares its key with the one in the
  // bucket at every item, and word count's keys are words.
  if (a.kind() == Value::Kind::string) return a.as_string() == b.as_string();
  if (a.kind() == Value::Kind::tuple) return a.as_tuple() == b.as_tuple();
  if (a.kind() == Value::Kind::real) return compare_doubles(a.as_double(), b.as_double()) == 0;
  return a.v_ == b.v_;
}

std::strong_ordering operator<=>(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return a.kind() <=> b.kind();
  switch (a.kind()) {
    case Value::Kind::null: return std::strong_ordering::equal;
    case Value::Kind::boolean: return a.as_bool() <=> b.as_bool();
    case Value::Kind::integer: return a.as_int() <=> b.as_int();
    case Value::Kind::real: return compare_doubles(a.as_double(), b.as_double());
    case Value::Kind::string: return a.as_string().compare(b.as_string()) <=> 0;
    case Value::Kind::tuple: {
      const auto& x = a.as_tuple();
      const auto& y = b.as_tuple();
      return std::lexicographical_compare_three_way(x.begin(), x.end(), y.begin(), y.end());
    }
  }
  return std::strong_ordering::equal;
}

}  // namespace flamestream
