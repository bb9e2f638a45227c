#include "runtime/engine/partition_front_host.h"

#include <algorithm>
#include <sstream>

#include "front/source.h"
#include "runtime/engine/wall_clock.h"
#include "snapshot/durable_file.h"

namespace flamestream {

namespace {

constexpr std::size_t kPollEvents = 1024;  // events taken from a source per poll

// A record's value is one line or more, split at newlines like a file (KafkaSource does the same).
template <class Take>
void split_lines(std::string_view value, Take take) {
  std::size_t begin = 0;
  while (begin <= value.size()) {
    const std::size_t end = value.find('\n', begin);
    if (end == std::string_view::npos) {
      if (begin < value.size() || begin == 0) take(value.substr(begin));
      return;
    }
    take(value.substr(begin, end - begin));
    begin = end + 1;
  }
}

}  // namespace

PartitionFrontHost::PartitionFrontHost(Env env, std::vector<PartitionInput> inputs, std::filesystem::path dir,
                                       Timestamp committed, const PartitionPositions& positions)
    : env_(std::move(env)), dir_(std::move(dir)) {
  for (std::size_t slot = 0; slot < env_.graph.partition_fronts(); ++slot) {
    const auto& pf = env_.graph.partition_front(slot);
    auto in = std::find_if(inputs.begin(), inputs.end(), [&](const PartitionInput& i) { return i.front == pf.node; });
    if (in == inputs.end()) throw InputSourceError("partitioned front " + std::to_string(pf.node) + " has no source");
    const std::size_t r = static_cast<std::size_t>(in - inputs.begin());
    Part p;
    p.slot = slot;
    p.reader = r;
    p.partition = pf.partition;
    if (auto it = positions.find({pf.node, pf.partition}); it != positions.end()) {
      p.next_offset = it->second.offset;
      p.skip = it->second.skip;
      p.next_floor = it->second.floor;
    }
    // The replay's floor: every line it stamps lies at or above the commit, and above the line
    // before it by the spacing, as the first run stamped it.
    if (committed > 0) env_.graph.raise_partition_promise(slot, std::max(committed, p.next_floor));
    if (!dir_.empty()) {
      p.promises = std::make_unique<IngestionLog>(
          dir_ / ("kafka-" + env_.job.graph.node(pf.node).name + "-" + std::to_string(pf.partition) + ".promises"));
      for (const auto& rec : p.promises->read_from(committed))
        p.replay.emplace_back(std::stoll(rec.line), rec.ts);
    }
    p.last_input = Clock::now();
    parts_.push_back(std::move(p));
    ++open_;
  }
  readers_.resize(inputs.size());
  for (std::size_t r = 0; r < inputs.size(); ++r) readers_[r].input = std::move(inputs[r]);
  for (std::size_t i = 0; i < parts_.size(); ++i) readers_[parts_[i].reader].parts.push_back(i);
  for (Reader& r : readers_) {
    if (r.parts.empty()) continue;
    std::vector<PartitionStart> starts;
    for (std::size_t i : r.parts) starts.push_back({parts_[i].partition, parts_[i].next_offset});
    r.source = r.input.open(starts);
    if (!r.input.follow && !dir_.empty()) {  // where the first start of this front found the ends
      const std::string text = read_file(ends_path(r));
      if (!text.empty()) {
        std::istringstream in(text);
        std::map<std::uint32_t, std::int64_t> ends;
        std::uint32_t partition = 0;
        std::int64_t end = 0;
        while (in >> partition >> end) ends[partition] = end;
        r.ends = std::move(ends);
      }
    }
  }
}

std::filesystem::path PartitionFrontHost::ends_path(const Reader& r) const {
  return dir_ / ("kafka-" + env_.job.graph.node(r.input.front).name + ".ends");
}

PartitionFrontHost::Part* PartitionFrontHost::part_of(const Reader& r, std::uint32_t partition) {
  for (std::size_t i : r.parts)
    if (parts_[i].partition == partition) return &parts_[i];
  return nullptr;
}

bool PartitionFrontHost::admission_open(const Part& p) const {
  return p.admitted.size() < (dir_.empty() ? env_.config.max_inputs_in_flight
                                           : env_.config.max_inputs_in_flight_exactly_once);
}

void PartitionFrontHost::update_pause(Part& p) {
  const bool pause = !p.closed && !admission_open(p);
  if (pause == p.paused) return;
  p.paused = pause;
  readers_[p.reader].source->pause(p.partition, pause);
}

void PartitionFrontHost::on_min_time(Timestamp min_ts) {
  for (Part& p : parts_) {
    while (!p.admitted.empty() && p.admitted.front() < min_ts) p.admitted.pop_front();
    update_pause(p);
  }
}

bool PartitionFrontHost::take_backlog(Part& p) {
  bool took = false;
  while (!p.backlog.empty() && !p.closed && admission_open(p)) {
    PartitionEvent& e = p.backlog.front();
    if (e.kind == PartitionEvent::Kind::end) {
      flush(p);
      p.next_offset = std::max(p.next_offset, e.offset);
      p.reached_end = true;
    } else {
      take(p, e);
      took = true;
      // Admission is counted in stamped lines: stamp what was gathered before looking again.
      if (p.payloads.size() >= 256) flush(p);
    }
    p.backlog.pop_front();
  }
  return took;
}

void PartitionFrontHost::load_ends(Reader& r) {
  auto ends = r.source->end_offsets();
  if (!ends) return;  // the broker has not answered yet: read nothing until it does
  for (std::size_t i : r.parts)
    if (!ends->contains(parts_[i].partition))
      throw InputSourceError(r.input.label + ": no end offset for partition " + std::to_string(parts_[i].partition));
  if (!dir_.empty()) {
    std::string text;
    for (const auto& [partition, end] : *ends) text += std::to_string(partition) + " " + std::to_string(end) + "\n";
    write_file_atomically(ends_path(r), text);
  }
  r.ends = std::move(*ends);
}

void PartitionFrontHost::poll() {
  bool took = false;
  const auto now = Clock::now();
  for (Reader& r : readers_) {
    if (!r.source) continue;
    if (!r.input.follow && !r.ends) {
      load_ends(r);
      if (!r.ends) continue;
      for (std::size_t i : r.parts) close_if_done(parts_[i]);
    }
    events_.clear();
    r.source->poll(events_, kPollEvents);
    for (PartitionEvent& e : events_) {
      if (e.kind == PartitionEvent::Kind::fatal) throw InputSourceError(r.input.label + ": " + e.value);
      Part* p = part_of(r, e.partition);
      if (p && !p->closed) p->backlog.push_back(std::move(e));  // in order, behind what waits
    }
    for (std::size_t i : r.parts) {
      Part& p = parts_[i];
      if (p.closed) continue;
      took = take_backlog(p) || took;
      flush(p);
      if (p.reached_end) apply_logged_promises(p, p.next_offset);
      close_if_done(p);
      if (!p.closed && (r.input.follow || p.reached_end)) idle(p, now);
      update_pause(p);
    }
  }
  if (took) env_.after_processing();
}

void PartitionFrontHost::take(Part& p, PartitionEvent& e) {
  if (e.offset < p.next_offset) return;  // read before (a source may hand a record out again)
  if (!p.replay.empty() && p.replay.front().first <= e.offset) {
    flush(p);
    apply_logged_promises(p, e.offset);
  }
  std::uint32_t index = 0;
  const std::uint32_t skip = e.offset == p.next_offset ? p.skip : 0;
  split_lines(e.value, [&](std::string_view line) {
    const std::uint32_t i = index++;
    if (i < skip) return;  // stamped below the commit this run started from
    if (line.size() > env_.config.max_line_bytes)
      throw InputSourceError("partition " + std::to_string(p.partition) + ", offset " + std::to_string(e.offset) +
                             ": " + line_too_long(i + 1, env_.config.max_line_bytes));
    try {
      p.payloads.push_back(env_.job.parse(line));
    } catch (const InputError& error) {
      throw InputSourceError("partition " + std::to_string(p.partition) + ", offset " + std::to_string(e.offset) +
                             ", line " + std::to_string(i + 1) + ": " + error.what());
    }
    p.times.push_back(e.ts);
    p.origins.emplace_back(e.offset, i);
  });
  p.next_offset = e.offset + 1;
  p.skip = 0;
  p.last_input = Clock::now();
}

void PartitionFrontHost::flush(Part& p) {
  if (p.payloads.empty()) return;
  stamps_.clear();
  env_.graph.ingest_partition(p.slot, p.payloads, p.times, kLineSpacing, env_.outbox, stamps_);
  for (std::size_t k = 0; k < stamps_.size(); ++k) {
    if (p.promises) p.recent.push_back({stamps_[k], p.origins[k].first, p.origins[k].second, p.next_floor});
    p.next_floor = stamps_[k] + kLineSpacing;
    p.admitted.push_back(stamps_[k]);
  }
  inputs_ += stamps_.size();
  p.payloads.clear();
  p.times.clear();
  p.origins.clear();
}

void PartitionFrontHost::apply_logged_promises(Part& p, std::int64_t upto) {
  while (!p.replay.empty() && p.replay.front().first <= upto) {
    env_.graph.raise_partition_promise(p.slot, p.replay.front().second);
    p.replay.pop_front();
  }
}

void PartitionFrontHost::close_if_done(Part& p) {
  const Reader& r = readers_[p.reader];
  if (p.closed || r.input.follow || !r.ends) return;
  auto end = r.ends->find(p.partition);
  if (p.next_offset < end->second || !p.payloads.empty() || !p.backlog.empty()) return;
  p.closed = true;
  --open_;
  env_.graph.close_partition(p.slot);
}

void PartitionFrontHost::idle(Part& p, Clock::time_point now) {
  const auto idle_for = std::chrono::milliseconds(readers_[p.reader].input.idle_ms);
  if (!p.reached_end || !p.replay.empty() || !p.backlog.empty() || now - p.last_input < idle_for) return;
  p.last_input = now;
  const Timestamp promise = wall_ns();
  const auto& front = env_.graph.partition_front(p.slot).front;
  if (promise <= front->next_ts(0)) return;
  if (p.promises) {  // durable before the acker hears it: a replay stamps the same
    if (promise <= p.promises->last_ts()) return;
    p.promises->append(promise, p.promises->next_seq(), std::to_string(p.next_offset));
    p.promises->flush();
    p.promises->sync();
  }
  env_.graph.raise_partition_promise(p.slot, promise);
}

std::vector<wire::FrontDeterminant> PartitionFrontHost::determinants(Timestamp end) {
  std::vector<wire::FrontDeterminant> out;
  for (Part& p : parts_) {
    while (!p.recent.empty() && p.recent.front().ts < end) p.recent.pop_front();
    wire::FrontDeterminant d{env_.graph.partition_front(p.slot).node, static_cast<std::uint64_t>(p.next_offset),
                             p.partition + 1, p.skip, p.next_floor};
    if (!p.recent.empty()) {
      d.next_seq = static_cast<std::uint64_t>(p.recent.front().offset);
      d.skip = p.recent.front().line;
      d.floor = p.recent.front().floor;
    }
    out.push_back(d);
  }
  return out;
}

std::vector<std::filesystem::path> PartitionFrontHost::truncate_below(Timestamp committed) {
  std::vector<std::filesystem::path> obsolete;
  if (committed == 0) return obsolete;
  for (Part& p : parts_) {
    if (!p.promises) continue;
    auto dropped = p.promises->truncate_below(committed);
    obsolete.insert(obsolete.end(), dropped.begin(), dropped.end());
  }
  return obsolete;
}

}  // namespace flamestream
