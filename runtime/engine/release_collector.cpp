#include "runtime/engine/release_collector.h"

#include <pthread.h>

#include <algorithm>
#include <iterator>
#include <utility>

namespace flamestream {

ReleaseCollector::ReleaseCollector(std::size_t workers, ReleaseFn release,
                                   std::function<void(Timestamp)> on_advance, FormatFn format,
                                   LineFn release_line)
    : release_(std::move(release)),
      format_(std::move(format)),
      release_line_(std::move(release_line)),
      on_advance_(std::move(on_advance)),
      local_(workers),
      handed_(workers),
      merge_(workers),
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
  if (!release_line_) return local_[w].items.push_back({sink, item, {}});
  Released& r = local_[w].items.emplace_back(Released{sink, Item{Value{}, item.meta, item.tombstone}, {}});
  format_(item.payload, r.line);
  r.line += '\n';
}

void ReleaseCollector::advance(WorkerId w, Timestamp min_ts) {
  Handover& mine = local_[w];
  {
    std::lock_guard lock(mutex_);
    Handover& there = handed_[w];
    if (there.items.empty()) {
      std::swap(there.items, mine.items);
    } else {
      std::move(mine.items.begin(), mine.items.end(), std::back_inserter(there.items));
      mine.items.clear();
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

void ReleaseCollector::merge_loop() {
  pthread_setname_np(pthread_self(), "fs-merge");
  std::vector<Handover> taken(handed_.size());
  for (;;) {
    std::optional<Timestamp> cut;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] {
        return stop_ || std::any_of(handed_.begin(), handed_.end(), [](const Handover& h) {
                 return !h.items.empty() || h.min_ts > 0;
               });
      });
      if (stop_) return;
      for (std::size_t w = 0; w < handed_.size(); ++w) {
        std::swap(taken[w].items, handed_[w].items);
        taken[w].min_ts = std::exchange(handed_[w].min_ts, 0);
      }
      cut = cut_;
    }
    try {
      for (std::size_t w = 0; w < taken.size(); ++w) {
        for (Released& r : taken[w].items) merge_.push(w, std::move(r));
        taken[w].items.clear();
        if (taken[w].min_ts > 0) {
          reached_[w] = std::max(reached_[w], taken[w].min_ts);
          merge_.advance(w, reached_[w]);
        }
      }
      merge_.drain([&](const Released& r) {
        if (cut && r.item.meta.time.ts >= *cut) return;
        if (release_line_) {
          release_line_(r.line);
        } else {
          release_(r.sink, r.item);
        }
      });
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
