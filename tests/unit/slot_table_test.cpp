// SlotTable against std::map as a model: random inserts, finds and erases, with hashes drawn from a
// small set so probe runs collide, wrap around the end of the table and get shifted back on erase.
#include "model/slot_table.h"

#include <map>
#include <memory>
#include <random>

#include <gtest/gtest.h>

namespace flamestream {
namespace {

struct Slot {
  int key;
  std::uint64_t hash;
};

std::uint64_t hash_of(int key, std::uint64_t spread) {
  return (static_cast<std::uint64_t>(key) % spread) * 0x0123456789ABCDEFull;
}

void check_same(const SlotTable<Slot>& table, const std::map<int, const Slot*>& model,
                std::uint64_t spread, int max_key) {
  ASSERT_EQ(table.size(), model.size());
  for (int k = 0; k < max_key; ++k) {
    const Slot* found = table.find(hash_of(k, spread), [&](const Slot& s) { return s.key == k; });
    const auto it = model.find(k);
    if (it == model.end()) {
      EXPECT_EQ(found, nullptr) << "key " << k << " was erased or never inserted";
    } else {
      EXPECT_EQ(found, it->second) << "key " << k << " must be found where it was stored";
    }
  }
  std::size_t visited = 0;
  table.for_each([&](std::uint64_t hash, const Slot& s) {
    ++visited;
    EXPECT_EQ(hash, hash_of(s.key, spread));
  });
  EXPECT_EQ(visited, model.size());
}

TEST(SlotTable, MatchesAMapUnderRandomInsertsAndErases) {
  for (const std::uint64_t spread : {3ull, 17ull, 1000ull}) {
    std::mt19937 rng(static_cast<unsigned>(spread));
    constexpr int kMaxKey = 300;
    SlotTable<Slot> table;
    std::map<int, const Slot*> model;
    for (int step = 0; step < 4000; ++step) {
      const int k = static_cast<int>(rng() % kMaxKey);
      const std::uint64_t h = hash_of(k, spread);
      Slot* found = table.find(h, [&](const Slot& s) { return s.key == k; });
      if (found) {
        table.erase(found, h);
        model.erase(k);
      } else {
        model[k] = &table.insert(h, std::make_unique<Slot>(Slot{k, h}));
      }
      if (step % 97 == 0) check_same(table, model, spread, kMaxKey);
    }
    check_same(table, model, spread, kMaxKey);
  }
}

TEST(SlotTable, SlotsKeepTheirAddressWhileTheTableGrows) {
  SlotTable<Slot> table;
  const Slot* first = &table.insert(42, std::make_unique<Slot>(Slot{0, 42}));
  for (int k = 1; k < 100000; ++k) {
    const auto h = static_cast<std::uint64_t>(k) * 7919;
    table.insert(h, std::make_unique<Slot>(Slot{k, h}));
  }
  EXPECT_EQ(table.find(42, [](const Slot& s) { return s.key == 0; }), first);
  // Past 2^16 cells a cell's home comes from its slot's hash, not its tag: erase every other key
  // and find the rest where they were.
  for (int k = 1; k < 100000; k += 2) {
    const auto h = static_cast<std::uint64_t>(k) * 7919;
    table.erase(table.find(h, [&](const Slot& s) { return s.key == k; }), h);
  }
  EXPECT_EQ(table.size(), 50000u);
  for (int k = 1; k < 100000; ++k) {
    const auto h = static_cast<std::uint64_t>(k) * 7919;
    const Slot* found = table.find(h, [&](const Slot& s) { return s.key == k; });
    if (k % 2 == 1) {
      EXPECT_EQ(found, nullptr) << k;
    } else {
      ASSERT_NE(found, nullptr) << k;
      EXPECT_EQ(found->key, k);
    }
  }
  table.clear();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.find(42, [](const Slot&) { return true; }), nullptr);
}

}  // namespace
}  // namespace flamestream
