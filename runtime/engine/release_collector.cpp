#include "runtime/engine/release_collector.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

namespace flamestream {

namespace {
// Emptied blocks kept for reuse beyond this many a worker are freed: a burst's buffers go back.
constexpr std::size_t kSparesPerWorker = 2;
}  // namespace

void ReleaseCollector::Block::clear() {
  keys.clear();
  traces.clear();
  text.clear();
  items.clear();
}

bool ReleaseCollector::EntryOrder::before(const Entry& a, const Entry& b) const {
  if (a.time != b.time) return a.time < b.time;
  return std::lexicographical_compare(a.trace, a.trace + a.trace_size, b.trace, b.trace + b.trace_size);
}

ReleaseCollector::ReleaseCollector(std::size_t workers, ReleaseFn release,
                                   std::function<void(Timestamp)> on_advance, FormatFn format,
                                   TextFn release_text)
    : release_(std::move(release)),
      format_(std::move(format)),
      release_text_(std::move(release_text)),
      on_advance_(std::move(on_advance)),
      local_(workers),
      handed_(workers),
      merge_(workers),
      merging_(workers),
      front_released_(workers, 0),
      reached_(workers, 0),
      thread_([this] { merge_loop(); }) {}

ReleaseCollector::~ReleaseCollector() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ReleaseCollector::release(WorkerId w, NodeId sink, const Item& item) {
  Block& b = local_[w];
  if (!release_text_) {
    b.items.emplace_back(sink, item);
    return;
  }
  format_(item.payload, b.text);
  b.text += '\n';
  // A single instance's releases are the total order already: its traces are never compared.
  if (local_.size() > 1) b.traces.insert(b.traces.end(), item.meta.trace.begin(), item.meta.trace.end());
  b.keys.push_back({item.meta.time, static_cast<std::uint32_t>(b.traces.size()),
                    static_cast<std::uint32_t>(b.text.size())});
}

void ReleaseCollector::advance(WorkerId w, Timestamp min_ts) {
  Block& mine = local_[w];
  {
    std::lock_guard lock(mutex_);
    Handover& there = handed_[w];
    if (mine.size() > 0) {
      there.blocks.push_back(std::move(mine));
      mine = Block{};
      if (!spare_.empty()) {
        mine = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    there.min_ts = std::max(there.min_ts, min_ts);
  }
  changed_.notify_one();
}

void ReleaseCollector::cut(Timestamp ts) {
  std::lock_guard lock(mutex_);
  cut_ = std::min(ts, cut_.value_or(ts));
}

void ReleaseCollector::finish() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return drained_ || failure_; });
  if (failure_) std::rethrow_exception(failure_);
}

bool ReleaseCollector::all_done() const {
  return std::all_of(reached_.begin(), reached_.end(), [](Timestamp t) { return t == kInfinity; }) &&
         merge_.held() == 0;
}

// Puts a handed-over block where it stays until every entry of it is released, and its entries
// into the merge, pointing into it (a deque's push_back moves no other element).
void ReleaseCollector::take(std::size_t w, Block&& block) {
  const Block& b = merging_[w].emplace_back(std::move(block));
  const auto worker = static_cast<std::uint32_t>(w);
  std::uint32_t trace_at = 0;
  std::uint32_t text_at = 0;
  for (const Block::Key& k : b.keys) {
    merge_.push(w, Entry{k.time, b.traces.data() + trace_at, k.trace_end - trace_at, k.text_end - text_at,
                         b.text.data() + text_at, nullptr, &b, worker});
    trace_at = k.trace_end;
    text_at = k.text_end;
  }
  for (const auto& released : b.items) {
    const Meta& meta = released.second.meta;
    merge_.push(w, Entry{meta.time, meta.trace.data(), static_cast<std::uint32_t>(meta.trace.size()), 0,
                         nullptr, &released, &b, worker});
  }
}

void ReleaseCollector::pass_on(Block&& block, std::optional<Timestamp> cut) {
  std::size_t text_end = block.text.size();
  if (cut) {
    const auto at_cut = std::find_if(block.keys.begin(), block.keys.end(),
                                     [&](const Block::Key& k) { return k.time.ts >= *cut; });
    if (at_cut != block.keys.end()) text_end = at_cut == block.keys.begin() ? 0 : (at_cut - 1)->text_end;
  }
  if (text_end > 0) release_text_(std::string_view(block.text.data(), text_end));
  for (const auto& [sink, item] : block.items)
    if (!cut || item.meta.time.ts < *cut) release_(sink, item);
  block.clear();
  emptied_.push_back(std::move(block));
}

void ReleaseCollector::emit(const Entry& e, std::optional<Timestamp> cut) {
  ++front_released_[e.worker];
  if (cut && e.time.ts >= *cut) return;
  if (e.item) return release_(e.item->first, e.item->second);
  if (e.block != pending_block_ || pending_text_.data() + pending_text_.size() != e.text) {
    flush_text();
    pending_text_ = std::string_view(e.text, 0);
    pending_block_ = e.block;
  }
  pending_text_ = std::string_view(pending_text_.data(), pending_text_.size() + e.text_size);
}

void ReleaseCollector::flush_text() {
  if (!pending_text_.empty()) release_text_(pending_text_);
  pending_text_ = {};
  pending_block_ = nullptr;
}

// Moves worker w's blocks whose entries were all released to emptied_ (after flush_text(): the
// pending text may lie in them).
void ReleaseCollector::recycle(std::size_t w) {
  auto& blocks = merging_[w];
  while (!blocks.empty() && front_released_[w] >= blocks.front().size()) {
    front_released_[w] -= blocks.front().size();
    blocks.front().clear();
    emptied_.push_back(std::move(blocks.front()));
    blocks.pop_front();
  }
}

void ReleaseCollector::merge_loop() {
  pthread_setname_np(pthread_self(), "fs-merge");
  std::vector<Handover> taken(handed_.size());
  const bool single = handed_.size() == 1;
  for (;;) {
    std::optional<Timestamp> cut;
    {
      std::unique_lock lock(mutex_);
      for (Block& b : emptied_)
        if (spare_.size() < kSparesPerWorker * handed_.size()) spare_.push_back(std::move(b));
      emptied_.clear();
      changed_.wait(lock, [&] {
        return stop_ || std::any_of(handed_.begin(), handed_.end(), [](const Handover& h) {
                 return !h.blocks.empty() || h.min_ts > 0;
               });
      });
      if (stop_) return;
      for (std::size_t w = 0; w < handed_.size(); ++w) {
        std::swap(taken[w].blocks, handed_[w].blocks);
        taken[w].min_ts = std::exchange(handed_[w].min_ts, 0);
      }
      cut = cut_;
    }
    try {
      for (std::size_t w = 0; w < taken.size(); ++w) {
        for (Block& b : taken[w].blocks) single ? pass_on(std::move(b), cut) : take(w, std::move(b));
        taken[w].blocks.clear();
        if (taken[w].min_ts > 0) {
          reached_[w] = std::max(reached_[w], taken[w].min_ts);
          merge_.advance(w, reached_[w]);
        }
      }
      merge_.drain([&](const Entry& e) { emit(e, cut); });
      flush_text();
      for (std::size_t w = 0; w < merging_.size(); ++w) recycle(w);
      if (on_advance_) on_advance_(*std::min_element(reached_.begin(), reached_.end()));
    } catch (...) {
      std::lock_guard lock(mutex_);
      failure_ = std::current_exception();
      done_.notify_all();
      return;
    }
    if (all_done()) {
      std::lock_guard lock(mutex_);
      drained_ = true;
      done_.notify_all();
      return;
    }
  }
}

}  // namespace flamestream
