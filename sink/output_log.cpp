#include "sink/output_log.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>

#include "snapshot/durable_file.h"
#include "snapshot/varint.h"

namespace flamestream {

namespace {

constexpr std::string_view kMagic{"FSOUT2\n\0", 8};
constexpr std::size_t kFrameHeader = 4 + 4 + 4;  // body length, line count, checksum
constexpr std::size_t kMaxFrame = std::size_t{1} << 31;
constexpr std::size_t kMaxTrace = 4096;  // as on the wire: more is damage, not a trace

// A record's head byte: how its time, front and trace relate to the record before it.
enum : unsigned {
  kTimeSame = 0,
  kTimeDelta = 1,     // a varint follows: the time minus the one before
  kTimeAbsolute = 2,  // a varint follows: the time
  kTimeMask = 3,
  kFrontChanged = 4,  // a varint follows: the front id
  kTraceSame = 0 << 3,
  kTraceOneDiffers = 1 << 3,  // varints follow: the position, the zigzagged change of its child id
  kTraceWhole = 2 << 3,       // varints follow: the length, each child id
  kTraceMask = 3 << 3,
  kKnownBits = kTimeMask | kFrontChanged | kTraceMask,
};

std::uint32_t frame_checksum(std::string_view body) { return static_cast<std::uint32_t>(XXH64(body.data(), body.size(), 0)); }

// The one position at which the child ids of equally long traces `a` and `b` differ; none when
// they differ in length, at more than one position, or not at all.
std::optional<std::size_t> one_difference(const Trace& a, const Trace& b) {
  if (a.size() != b.size()) return std::nullopt;
  std::optional<std::size_t> at;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].child == b[i].child) continue;
    if (at) return std::nullopt;
    at = i;
  }
  return at;
}

// Appends the record of `line`, released with `meta`, coded against `before` (the record before
// it in the frame, logical times zeroed), and makes `meta` the new `before`.
void encode(const Meta& meta, const std::string& line, Meta& before, std::string& out) {
  const std::size_t head_at = out.size();
  out.push_back(0);
  unsigned head = 0;
  if (meta.time.ts != before.time.ts) {
    const bool later = meta.time.ts > before.time.ts;
    head |= later ? kTimeDelta : kTimeAbsolute;
    append_varint(out, later ? meta.time.ts - before.time.ts : meta.time.ts);
  }
  if (meta.time.front != before.time.front) {
    head |= kFrontChanged;
    append_varint(out, meta.time.front);
  }
  const auto differs = one_difference(meta.trace, before.trace);
  if (differs) {
    head |= kTraceOneDiffers;
    append_varint(out, *differs);
    append_varint(out, zigzag(static_cast<std::int64_t>(meta.trace[*differs].child) -
                              static_cast<std::int64_t>(before.trace[*differs].child)));
  } else if (meta.trace.size() != before.trace.size() || !std::equal(meta.trace.begin(), meta.trace.end(), before.trace.begin(), [](LocalTime a, LocalTime b) { return a.child == b.child; })) {
    head |= kTraceWhole;
    append_varint(out, meta.trace.size());
    for (const LocalTime& t : meta.trace) append_varint(out, t.child);
  }
  append_varint(out, line.size());
  out += line;
  out[head_at] = static_cast<char>(head);
  before.time = meta.time;
  before.trace = Trace(meta.trace.size());
  for (std::size_t i = 0; i < meta.trace.size(); ++i) before.trace[i].child = meta.trace[i].child;
}

// Reads the record at `at` of a frame's body, coded against `meta` (the record before it), into
// `meta` and `line`; false when the bytes are not a record.
bool decode(std::string_view body, std::size_t& at, Meta& meta, std::string_view& line) {
  if (at >= body.size()) return false;
  const auto head = static_cast<unsigned char>(body[at++]);
  if ((head & ~static_cast<unsigned>(kKnownBits)) != 0) return false;
  const unsigned time = head & kTimeMask;
  const unsigned trace = head & kTraceMask;
  if (time == kTimeMask || trace == kTraceMask) return false;
  if (time != kTimeSame) {
    const auto v = read_varint(body, at);
    if (!v) return false;
    meta.time.ts = time == kTimeDelta ? meta.time.ts + *v : *v;
  }
  if (head & kFrontChanged) {
    const auto v = read_varint(body, at);
    if (!v || *v > 0xFFFFFFFFu) return false;
    meta.time.front = static_cast<FrontId>(*v);
  }
  if (trace == kTraceOneDiffers) {
    const auto position = read_varint(body, at);
    const auto change = read_varint(body, at);
    if (!position || !change || *position >= meta.trace.size()) return false;
    meta.trace[*position].child = static_cast<std::uint32_t>(meta.trace[*position].child + unzigzag(*change));
  } else if (trace == kTraceWhole) {
    const auto size = read_varint(body, at);
    if (!size || *size > kMaxTrace) return false;
    meta.trace = Trace(*size);
    for (std::size_t i = 0; i < *size; ++i) {
      const auto child = read_varint(body, at);
      if (!child || *child > 0xFFFFFFFFu) return false;
      meta.trace[i].child = static_cast<std::uint32_t>(*child);
    }
  }
  const auto length = read_varint(body, at);
  if (!length || *length > body.size() - at) return false;
  line = body.substr(at, *length);
  at += *length;
  return true;
}

// The frame at `at` in `bytes` (its header there): its body and line count; none when the bytes end
// before it does.
struct Frame {
  std::string_view body;
  std::uint64_t lines;
  bool intact;  // matches its checksum
};
std::optional<Frame> frame_at(std::string_view bytes, std::size_t at) {
  if (bytes.size() - at < kFrameHeader) return std::nullopt;
  const std::size_t length = get_le(bytes, at, 4);
  if (length > bytes.size() - at - kFrameHeader) return std::nullopt;
  const std::string_view body = bytes.substr(at + kFrameHeader, length);
  return Frame{body, get_le(bytes, at + 4, 4), frame_checksum(body) == get_le(bytes, at + 8, 4)};
}

// Calls `each(meta, line)` for every record of `frame`; false if it does not hold `frame.lines`
// whole records.
template <class Each>
bool for_each_record(const Frame& frame, Each&& each) {
  Meta meta;
  std::size_t at = 0;
  std::string_view line;
  for (std::uint64_t i = 0; i < frame.lines; ++i) {
    if (!decode(frame.body, at, meta, line)) return false;
    each(meta, line);
  }
  return at == frame.body.size();
}

// The meta with every logical time (grouping version) zeroed: what names a released item.
Meta release_key(const Meta& meta) {
  Meta key{meta.time, {}};
  for (std::size_t i = 0; i < meta.trace.size(); ++i) key.trace.push_back({0, meta.trace[i].child});
  return key;
}

// release_key(a) < release_key(b), without building either key.
bool released_before(const Meta& a, const Meta& b) {
  if (a.time != b.time) return a.time < b.time;
  const std::size_t n = std::min(a.trace.size(), b.trace.size());
  for (std::size_t i = 0; i < n; ++i)
    if (a.trace[i].child != b.trace[i].child) return a.trace[i].child < b.trace[i].child;
  return a.trace.size() < b.trace.size();
}

}  // namespace

OutputLog::OutputLog(std::filesystem::path path, std::size_t recent_lines, std::uint64_t retain_bytes)
    : path_(std::move(path)), recent_limit_(recent_lines), retain_bytes_(retain_bytes) {
  if (path_.empty()) return;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  load();
  file_ = AppendFile(path_);
}

std::optional<Meta> OutputLog::last() const {
  if (!last_) return std::nullopt;
  return release_key(*last_);
}

OutputLog::~OutputLog() {
  try {
    flush();
  } catch (const std::exception&) {
    // Lines released but not written are after the last meta on record: a replay writes them.
  }
}

void OutputLog::load() {
  const std::string file = read_file(path_);
  const auto damaged = [&](std::size_t at, const std::string& what) {
    return OutputLogError("output log '" + path_.string() + "' " + what + " at byte " + std::to_string(at) +
                          ": the sink cannot tell what it released");
  };
  if (file.size() < kMagic.size()) {
    // Nothing, or a magic torn mid-write: nothing was released into it.
    if (file != kMagic.substr(0, file.size())) throw damaged(0, "is not an output log");
    if (!file.empty()) std::filesystem::resize_file(path_, 0);
    return;
  }
  if (std::string_view(file).substr(0, kMagic.size()) != kMagic)
    throw damaged(0, "is not an output log of this version (no FSOUT2 magic)");
  std::size_t at = kMagic.size();
  if (const std::string retained = read_file(retained_path()); !retained.empty()) {
    // Retention removed the lines before `first`; the frames kept start at `offset`.
    std::uint64_t first = 0;
    std::uint64_t offset = 0;
    if (std::sscanf(retained.c_str(), "%ju %ju", reinterpret_cast<std::uintmax_t*>(&first),
                    reinterpret_cast<std::uintmax_t*>(&offset)) != 2 ||
        offset < kMagic.size() || offset > file.size())
      throw damaged(0, "has a damaged retention record (" + retained_path().string() + ")");
    count_ = first_line_ = first;
    at = offset;
  }
  retained_offset_ = at;
  while (const auto frame = frame_at(file, at)) {
    const bool last_frame = at + kFrameHeader + frame->body.size() == file.size();
    if (!frame->intact) {
      if (last_frame) break;  // torn mid-write
      throw damaged(at, "is damaged");
    }
    if (index_.empty() || count_ - index_.back().first_line >= kIndexEvery) index_.push_back({count_, at});
    const bool whole = for_each_record(*frame, [&](const Meta& meta, std::string_view line) {
      if (last_ && !released_before(*last_, meta)) throw damaged(at, "is out of order");
      add_line(std::string(line), meta);
      last_ = meta;
    });
    if (!whole) throw damaged(at, "holds a frame that is not records");
    at += kFrameHeader + frame->body.size();
  }
  if (at < file.size()) std::filesystem::resize_file(path_, at);  // cut the torn tail
  file_end_ = at;
}

bool OutputLog::release(const Meta& meta, const std::string& line) {
  if (last_ && !released_before(*last_, meta)) return false;
  bool full = false;
  if (file_.is_open()) {
    if (pending_lines_ == 0) {
      pending_.assign(kFrameHeader, '\0');
      pending_last_ = Meta{};
    }
    encode(meta, line, pending_last_, pending_);
    ++pending_lines_;
    // A frame's length must fit its header; and with retention, frames stay a small part of what
    // is kept, since retention frees whole frames: one frame holding a long release would leave
    // far less than retain_bytes_ behind.
    const std::size_t frame_limit = retain_bytes_ != 0 ? std::max<std::size_t>(retain_bytes_ / 32, 4096) : kMaxFrame / 2;
    full = pending_.size() >= std::min(frame_limit, kMaxFrame / 2);
  }
  last_ = meta;  // a copy in place: no allocation, the trace is inline
  add_line(line, meta);
  if (full) flush();  // after add_line: flush() numbers the frame's lines from count_
  return true;
}

std::string OutputLog::order_key(const Meta& meta) {
  std::string key(12 + 4 * meta.trace.size(), '\0');
  auto put = [&](std::size_t at, std::uint64_t v, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) key[at + i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  };
  put(0, meta.time.ts, 8);
  put(8, meta.time.front, 4);
  for (std::size_t i = 0; i < meta.trace.size(); ++i) put(12 + 4 * i, meta.trace[i].child, 4);
  return key;
}

Timestamp OutputLog::order_key_time(const std::string& key) {
  Timestamp ts = 0;
  for (std::size_t i = 0; i < 8 && i < key.size(); ++i) ts = ts << 8 | static_cast<unsigned char>(key[i]);
  return ts;
}

void OutputLog::add_line(std::string line, const Meta& meta) {
  ++count_;
  recent_.push_back(std::move(line));
  recent_keys_.push_back(order_key(meta));
  if (!path_.empty() && recent_.size() > recent_limit_) {
    recent_.pop_front();
    recent_keys_.pop_front();
  }
}

std::vector<std::string> OutputLog::lines(std::uint64_t from, std::size_t max,
                                          std::vector<std::string>* keys) const {
  std::vector<std::string> out;
  from = std::max(from, first_line_);
  if (from >= count_) return out;
  const std::uint64_t to = count_ - from > max ? from + max : count_;
  const std::uint64_t first_recent = std::max(count_ - recent_.size(), first_line_);
  if (from < first_recent) {
    read_back(from, std::min(to, first_recent), out, keys);
    if (out.size() < std::min(to, first_recent) - from) return out;  // the file ended first
  }
  const std::uint64_t first_in_memory = count_ - recent_.size();
  for (std::uint64_t i = std::max(from, first_recent); i < to; ++i) {
    out.push_back(recent_[i - first_in_memory]);
    if (keys) keys->push_back(recent_keys_[i - first_in_memory]);
  }
  return out;
}

void OutputLog::read_back(std::uint64_t from, std::uint64_t to, std::vector<std::string>& out,
                          std::vector<std::string>* keys) const {
  const auto entry = std::upper_bound(index_.begin(), index_.end(), from,
                                      [](std::uint64_t line, const IndexEntry& e) { return line < e.first_line; });
  if (entry == index_.begin()) return;  // not flushed yet
  std::ifstream in(path_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(std::prev(entry)->offset));
  std::uint64_t line = std::prev(entry)->first_line;
  std::string bytes;
  while (line < to) {
    bytes.resize(kFrameHeader);
    if (!in.read(bytes.data(), static_cast<std::streamsize>(kFrameHeader))) return;
    const std::size_t length = get_le(bytes, 0, 4);
    if (length > kMaxFrame)
      throw OutputLogError("output log '" + path_.string() + "' changed under the sink: bad frame");
    bytes.resize(kFrameHeader + length);
    if (!in.read(bytes.data() + kFrameHeader, static_cast<std::streamsize>(length))) return;
    const auto frame = frame_at(bytes, 0);
    if (!frame || !frame->intact)
      throw OutputLogError("output log '" + path_.string() + "' is damaged: line " + std::to_string(line) +
                           " cannot be read back");
    if (line + frame->lines <= from) {
      line += frame->lines;
      continue;
    }
    for_each_record(*frame, [&](const Meta& meta, std::string_view text) {
      if (line >= from && line < to) {
        out.emplace_back(text);
        if (keys) keys->push_back(order_key(meta));
      }
      ++line;
    });
  }
}

void OutputLog::flush() {
  if (pending_lines_ == 0) return;
  if (file_end_ == 0) {
    file_.append(kMagic);
    file_end_ = kMagic.size();
  }
  const std::string_view body = std::string_view(pending_).substr(kFrameHeader);
  set_le(pending_, 0, body.size(), 4);
  set_le(pending_, 4, pending_lines_, 4);
  set_le(pending_, 8, frame_checksum(body), 4);
  const std::uint64_t first_line = count_ - pending_lines_;
  if (index_.empty() || first_line - index_.back().first_line >= kIndexEvery) index_.push_back({first_line, file_end_});
  file_.append(pending_);
  file_end_ += pending_.size();
  pending_.clear();
  pending_lines_ = 0;
  if (retain_bytes_ != 0 && retained_bytes() > retain_bytes_) apply_retention();
}

void OutputLog::apply_retention() {
  // The first indexed frame from which on the file holds no more than retain_bytes_; the newest
  // frame always stays (it holds the last meta).
  auto keep = std::find_if(index_.begin(), index_.end(),
                           [&](const IndexEntry& e) { return file_end_ - e.offset <= retain_bytes_; });
  if (keep == index_.end()) keep = std::prev(index_.end());
  if (keep == index_.begin()) return;
  // The record first, then the hole: a crash between them leaves bytes nobody reads, never a
  // record pointing into a hole.
  write_file_atomically(retained_path(),
                        std::to_string(keep->first_line) + " " + std::to_string(keep->offset) + "\n");
  punch_hole(path_, kMagic.size(), keep->offset - kMagic.size());
  first_line_ = keep->first_line;
  retained_offset_ = keep->offset;
  index_.erase(index_.begin(), keep);
}

void OutputLog::sync() {
  if (file_.is_open()) file_.sync();
}

}  // namespace flamestream
