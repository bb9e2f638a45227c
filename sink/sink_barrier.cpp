#include "sink/sink_barrier.h"

#include <algorithm>
#include <optional>

#include "model/burst_buffer.h"
#include "model/errors.h"

namespace flamestream {

namespace {

using Items = std::vector<Item>;

// The first item of [from, end) whose meta is not below `meta`.
Items::iterator position(Items& items, std::size_t from, const Meta& meta) {
  return std::lower_bound(items.begin() + static_cast<std::ptrdiff_t>(from), items.end(), meta,
                          [](const Item& e, const Meta& m) { return e.meta < m; });
}

}  // namespace

void SinkBarrier::on_item(Item&& item) {
  check_invariant(item.meta.time.ts >= min_ts_,
                  "an item below the minimal time reached the sink: it may have been released past");
  if (item.tombstone) return cancel(item);
  ++stats_.arrived;
  ++buffered_;
  stats_.peak_buffered = std::max(stats_.peak_buffered, buffered_);
  Run& last = runs_[last_run_];
  if (last.empty() || last.items.back().meta < item.meta) {
    last.items.push_back(std::move(item));  // the common case: this source's next item
    return;
  }
  add_to_some_run(std::move(item));
}

void SinkBarrier::add_to_some_run(Item&& item) {
  // The run whose last item is the greatest below this one: patience sorting's choice, which
  // keeps the runs as few as the interleaved sources.
  std::optional<std::size_t> best;
  std::optional<std::size_t> idle;
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    Run& run = runs_[i];
    if (run.empty()) {
      idle = idle.value_or(i);
      continue;
    }
    const Meta& back = run.items.back().meta;
    if (back < item.meta) {
      if (!best || runs_[*best].items.back().meta < back) best = i;
    } else {
      const auto at = position(run.items, run.head, item.meta);
      check_invariant(at->meta != item.meta, "two live items with one meta reached the sink");
    }
  }
  if (!best && !idle && runs_.size() < kMaxRuns) {
    idle = runs_.size();
    runs_.emplace_back();
  }
  if (const auto target = best ? best : idle) {
    last_run_ = *target;
    runs_[*target].items.push_back(std::move(item));
    return;
  }
  Run& run = runs_[last_run_];  // as many runs as allowed: insert in place
  run.items.insert(position(run.items, run.head, item.meta), std::move(item));
}

void SinkBarrier::cancel(const Item& tombstone) {
  for (Run& run : runs_) {
    const auto it = position(run.items, run.head, tombstone.meta);
    if (it == run.items.end() || it->meta != tombstone.meta) continue;
    check_invariant(it->payload == tombstone.payload,
                    "a tombstone's payload differs from the item it cancels");
    run.items.erase(it);
    --buffered_;
    ++stats_.cancelled;
    return;
  }
  on_internal_error("a tombstone reached the sink before the item it cancels (a channel is not FIFO)");
}

void SinkBarrier::release(Timestamp min_ts, const std::function<void(const Item&)>& emit) {
  if (min_ts <= min_ts_) return;
  min_ts_ = min_ts;
  release_merged(min_ts, emit);
  compact();
}

void SinkBarrier::release_merged(Timestamp min_ts, const std::function<void(const Item&)>& emit) {
  const auto releasable = [&](const Run& run) {
    return !run.empty() && run.items[run.head].meta.time.ts < min_ts;
  };
  // Within a run metas strictly increase by construction; across runs the merge checks it.
  const Meta* previous = nullptr;
  const Run* previous_run = nullptr;
  for (;;) {
    Run* next = nullptr;
    for (Run& run : runs_)
      if (releasable(run) && (!next || run.items[run.head].meta < next->items[next->head].meta))
        next = &run;
    if (next == nullptr) return;
    const Item& item = next->items[next->head++];
    // Released items waited a while and are out of the caches; what emit reads first is the
    // payload's elements (to format them), so fetch them a few items ahead.
    constexpr std::size_t kAhead = 8;
    if (next->head + kAhead < next->items.size())
      next->items[next->head + kAhead].payload.prefetch_elements();
    check_invariant(next == previous_run || previous == nullptr || *previous < item.meta,
                    "two live items with one meta reached the sink");
    emit(item);
    previous = &item.meta;
    previous_run = next;
    --buffered_;
    ++stats_.released;
  }
}

void SinkBarrier::compact() {
  for (Run& run : runs_) {
    // Drop the released prefix when it is everything, or once it outweighs what is still buffered
    // (amortised: each item is moved at most once per halving).
    if (run.empty()) {
      clear_burst(run.items);  // a long line's million items leave no room taken behind them
      run.head = 0;
    } else if (run.head >= 64 && 2 * run.head >= run.items.size()) {
      run.items.erase(run.items.begin(), run.items.begin() + static_cast<std::ptrdiff_t>(run.head));
      run.head = 0;
    }
  }
  // Runs left empty go, but the first, so arrivals after a quiet spell start where they used to.
  while (runs_.size() > 1 && runs_.back().empty()) runs_.pop_back();
  last_run_ = std::min(last_run_, runs_.size() - 1);
}

}  // namespace flamestream
