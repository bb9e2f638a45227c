// Payload values: null, bool, int64, double, string and tuple.
//
// Values are immutable once built; a tuple shares its elements, so copying a value (grouping copies
// every item into several windows) never copies a tuple's contents. The text form is stable: it is
// what sinks print and what tests compare, so it must not depend on the platform.
//
// A tuple is one heap block: a reference count, the size and the elements themselves. Word count
// builds about five tuples a word; a shared_ptr to a vector cost two allocations each.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace flamestream {

class Value;

namespace detail {

// The shared block of a tuple, with its elements right behind it.
// Eight bytes, so that a tuple of three (word count's reduced items, which its grouping keeps for
// every key) fits a 128-byte block. A built tuple's room is its size: the builder keeps the room
// while it builds.
struct TupleBlock {
  std::atomic<std::uint32_t> refs;
  std::uint32_t size;  // elements constructed
  Value* elements() { return reinterpret_cast<Value*>(this + 1); }
};

// An intrusive, reference-counted pointer to a TupleBlock; null is the empty tuple.
class TupleRef {
 public:
  TupleRef() = default;
  explicit TupleRef(TupleBlock* block) : block_(block) {}  // adopts a block with refs = 1
  TupleRef(const TupleRef& other) noexcept : block_(other.block_) {
    if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  TupleRef(TupleRef&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  TupleRef& operator=(const TupleRef& other) noexcept {
    TupleRef(other).swap(*this);
    return *this;
  }
  TupleRef& operator=(TupleRef&& other) noexcept {
    TupleRef(std::move(other)).swap(*this);
    return *this;
  }
  ~TupleRef() {
    if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(block_);
  }
  void swap(TupleRef& other) noexcept { std::swap(block_, other.block_); }

  const Value* data() const { return block_ ? block_->elements() : nullptr; }
  std::size_t size() const { return block_ ? block_->size : 0; }
  const TupleBlock* block() const { return block_; }

  // A block for `size` elements, refs = 1, elements not constructed yet (size 0 until they are).
  // Small blocks come from a per-thread free list (see value.cpp).
  static TupleBlock* allocate(std::size_t size);
  // Destroys the constructed elements and frees the block, whose room is its size.
  static void destroy(TupleBlock* block) noexcept { destroy(block, block->size); }
  // The same for a block with room for `capacity` elements.
  static void destroy(TupleBlock* block, std::size_t capacity) noexcept;

  // Compared as identities only by std::variant's defaulted machinery, which Value never uses.
  friend bool operator==(const TupleRef& a, const TupleRef& b) { return a.block_ == b.block_; }

 private:
  TupleBlock* block_ = nullptr;
};

}  // namespace detail

class Value {
 public:
  // What tuples are built from.
  using Tuple = std::vector<Value>;

  // A tuple's elements, a view that lives as long as the value it came from (or a copy of it).
  class Elements {
   public:
    Elements(const Value* data, std::size_t size) : data_(data), size_(size) {}
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const Value* data() const { return data_; }
    const Value* begin() const { return data_; }
    const Value* end() const { return data_ + size_; }
    const Value& operator[](std::size_t i) const { return data_[i]; }
    const Value& at(std::size_t i) const;  // throws std::out_of_range
    const Value& front() const { return data_[0]; }
    const Value& back() const { return data_[size_ - 1]; }
    friend bool operator==(const Elements& a, const Elements& b);

   private:
    const Value* data_;
    std::size_t size_;
  };

  // Builds a tuple of a known size in its block, element by element: no vector in between.
  class TupleBuilder {
   public:
    explicit TupleBuilder(std::size_t size);
    TupleBuilder(const TupleBuilder&) = delete;
    TupleBuilder& operator=(const TupleBuilder&) = delete;
    ~TupleBuilder();
    template <class V>
    TupleBuilder& add(V&& element) {
      if (block_ == nullptr || block_->size == capacity_) overflow();
      new (block_->elements() + block_->size) Value(std::forward<V>(element));
      ++block_->size;
      return *this;
    }
    // Every element must have been added.
    Value build();

   private:
    [[noreturn]] static void overflow();
    detail::TupleBlock* block_;
    std::size_t capacity_;
  };
  enum class Kind : std::uint8_t { null, boolean, integer, real, string, tuple };

  Value() = default;
  // A tuple (most payloads on the hot path: word count's items and windows) is copied and moved
  // as its reference, without std::variant's visit of every alternative; other kinds go through
  // the variant. An item is moved and copied about ten times a word: the visits were ~3 % of it.
  Value(const Value& other) : v_(copy_of(other.v_)) {}
  Value(Value&& other) noexcept : v_(move_of(other.v_)) {}
  Value& operator=(const Value& other) = default;
  Value& operator=(Value&& other) noexcept {
    if (auto* theirs = std::get_if<detail::TupleRef>(&other.v_)) {
      if (auto* mine = std::get_if<detail::TupleRef>(&v_)) {
        *mine = std::move(*theirs);
        return *this;
      }
      if (trivially_held()) {  // e.g. a fresh item's null payload: nothing to destroy first
        std::construct_at(&v_, std::in_place_type<detail::TupleRef>, std::move(*theirs));
        return *this;
      }
    }
    v_ = std::move(other.v_);
    return *this;
  }
  ~Value() = default;
  Value(bool b) : v_(b) {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Value(T i) : v_(static_cast<std::int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  static Value tuple(Tuple elements);
  static Value tuple(std::initializer_list<Value> elements);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::null; }

  // Accessors throw ValueError naming the expected and actual kind. Inline: user functions call
  // them several times an item.
  bool as_bool() const {
    if (auto* b = std::get_if<bool>(&v_)) return *b;
    wrong_kind(Kind::boolean, kind());
  }
  std::int64_t as_int() const {
    if (auto* i = std::get_if<std::int64_t>(&v_)) return *i;
    wrong_kind(Kind::integer, kind());
  }
  double as_double() const {
    if (auto* d = std::get_if<double>(&v_)) return *d;
    wrong_kind(Kind::real, kind());
  }
  const std::string& as_string() const {
    if (auto* s = std::get_if<std::string>(&v_)) return *s;
    wrong_kind(Kind::string, kind());
  }
  Elements as_tuple() const {
    if (auto* t = std::get_if<detail::TupleRef>(&v_)) return {t->data(), t->size()};
    wrong_kind(Kind::tuple, kind());
  }

  std::string to_text() const;
  void append_text(std::string& out) const;

  // Starts fetching a tuple's shared block into the caches, for a caller that will soon copy or
  // drop many cold values (a copy or a drop writes the block's reference count).
  void prefetch() const {
    if (auto* t = std::get_if<detail::TupleRef>(&v_)) __builtin_prefetch(t->block());
  }
  // The same for a caller that will read the elements (formatting, encoding): the block's first
  // kPrefetchLines cache lines. Its size is not read: that would wait for the block it is about
  // to fetch. Three lines hold a block of up to four elements, word count's tuples among them.
  void prefetch_elements() const {
    if (auto* t = std::get_if<detail::TupleRef>(&v_)) {
      const char* block = reinterpret_cast<const char*>(t->block());
      for (std::size_t line = 0; line < kPrefetchLines; ++line) __builtin_prefetch(block + 64 * line);
    }
  }
  static constexpr std::size_t kPrefetchLines = 3;

  // xxHash of a canonical encoding: equal values hash equal on every platform and run.
  std::uint64_t hash() const;

  friend bool operator==(const Value& a, const Value& b);
  friend std::strong_ordering operator<=>(const Value& a, const Value& b);

 private:
  [[noreturn]] static void wrong_kind(Kind expected, Kind actual);

  using Repr = std::variant<std::monostate, bool, std::int64_t, double, std::string, detail::TupleRef>;
  // Null, bool, integer or real: alternatives with nothing to destroy.
  bool trivially_held() const { return v_.index() < static_cast<std::size_t>(Kind::string); }
  static Repr copy_of(const Repr& r) {
    if (const auto* t = std::get_if<detail::TupleRef>(&r)) return Repr(std::in_place_type<detail::TupleRef>, *t);
    return r;
  }
  static Repr move_of(Repr& r) noexcept {
    if (auto* t = std::get_if<detail::TupleRef>(&r)) return Repr(std::in_place_type<detail::TupleRef>, std::move(*t));
    return std::move(r);
  }
  Repr v_;
};

const char* kind_name(Value::Kind kind);

struct ValueHash {
  std::size_t operator()(const Value& v) const { return static_cast<std::size_t>(v.hash()); }
};

}  // namespace flamestream
