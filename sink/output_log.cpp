#include "sink/output_log.h"

#include <xxhash.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>

#include "snapshot/durable_file.h"

namespace flamestream {

namespace {

constexpr std::size_t kHeader = 4 + 8;  // line length, checksum
constexpr std::size_t kFixed = kHeader + 16;  // ... ts, front, trace length: what sizes the rest
constexpr std::size_t kMaxTrace = 4096;  // as on the wire: more is damage, not a trace

// The sizes of one record, read from its first kFixed bytes. The one reader of the record layout,
// for load() (a whole file in memory) and read_back() (a record at a time from a stream).
struct Shape {
  std::size_t length;  // of the line
  std::size_t trace;   // entries
  std::size_t body() const { return 16 + 8 * trace + length; }  // what the checksum covers
  std::size_t size() const { return kHeader + body(); }
};

// The shape of the record at `at` (kFixed bytes must be there); none when its trace length is
// impossible (a torn tail, or damage).
std::optional<Shape> shape_at(std::string_view bytes, std::size_t at) {
  const Shape shape{get_le(bytes, at, 4), get_le(bytes, at + kHeader + 12, 4)};
  if (shape.trace > kMaxTrace) return std::nullopt;
  return shape;
}

// Whether the whole record at `at` matches its checksum.
bool intact(std::string_view bytes, std::size_t at, const Shape& shape) {
  return XXH64(bytes.data() + at + kHeader, shape.body(), 0) == get_le(bytes, at + 4);
}

Meta meta_at(std::string_view bytes, std::size_t at, const Shape& shape) {
  Meta meta;
  meta.time.ts = get_le(bytes, at + kHeader);
  meta.time.front = static_cast<FrontId>(get_le(bytes, at + kHeader + 8, 4));
  for (std::size_t i = 0; i < shape.trace; ++i) {
    const std::size_t t = at + kFixed + 8 * i;
    meta.trace.push_back({static_cast<std::uint32_t>(get_le(bytes, t, 4)),
                          static_cast<std::uint32_t>(get_le(bytes, t + 4, 4))});
  }
  return meta;
}

std::string line_at(std::string_view bytes, std::size_t at, const Shape& shape) {
  return std::string(bytes.substr(at + kFixed + 8 * shape.trace, shape.length));
}

// Appends the record of `line` to `out`: sized once, then filled in place (a record is written for
// every released line; appending it byte by byte was most of the sink's cost per line).
void encode(const Meta& meta, const std::string& line, std::string& out) {
  const std::size_t start = out.size();
  const std::size_t trace_at = start + kFixed;
  const std::size_t line_at = trace_at + 8 * meta.trace.size();
  out.resize(line_at + line.size());
  set_le(out, start, line.size(), 4);
  set_le(out, start + kHeader, meta.time.ts);
  set_le(out, start + kHeader + 8, meta.time.front, 4);
  set_le(out, start + kHeader + 12, meta.trace.size(), 4);
  for (std::size_t i = 0; i < meta.trace.size(); ++i) {
    set_le(out, trace_at + 8 * i, meta.trace[i].logical, 4);
    set_le(out, trace_at + 8 * i + 4, meta.trace[i].child, 4);
  }
  std::memcpy(out.data() + line_at, line.data(), line.size());
  set_le(out, start + 4, XXH64(out.data() + start + kHeader, out.size() - start - kHeader, 0));
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

OutputLog::OutputLog(std::filesystem::path path, std::size_t recent_lines)
    : path_(std::move(path)), recent_limit_(recent_lines) {
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
  std::size_t at = 0;
  while (file.size() - at >= kFixed) {
    const auto shape = shape_at(file, at);
    if (!shape || file.size() - at < shape->size()) break;  // not a whole record
    if (!intact(file, at, *shape)) {
      if (at + shape->size() == file.size()) break;  // the last record, torn mid-write
      throw OutputLogError("output log '" + path_.string() + "' is damaged at byte " +
                           std::to_string(at) + ": the sink cannot tell what it released");
    }
    Meta meta = meta_at(file, at, *shape);
    if (last_ && !released_before(*last_, meta))
      throw OutputLogError("output log '" + path_.string() + "' is out of order at byte " +
                           std::to_string(at));
    add_line(line_at(file, at, *shape), meta, at);
    last_ = std::move(meta);
    at += shape->size();
  }
  if (at < file.size()) std::filesystem::resize_file(path_, at);  // cut the torn tail
  file_end_ = at;
}

bool OutputLog::release(const Meta& meta, const std::string& line) {
  if (last_ && !released_before(*last_, meta)) return false;
  const std::uint64_t offset = file_end_;
  if (file_.is_open()) {
    const std::size_t before = pending_.size();
    encode(meta, line, pending_);
    file_end_ += pending_.size() - before;
  }
  last_ = meta;  // a copy in place: no allocation, the trace is inline
  add_line(line, meta, offset);
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

void OutputLog::add_line(std::string line, const Meta& meta, std::uint64_t offset) {
  if (count_ % kIndexEvery == 0) index_.push_back(offset);
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
  if (from >= count_) return out;
  const std::uint64_t to = count_ - from > max ? from + max : count_;
  const std::uint64_t first_recent = count_ - recent_.size();
  if (from < first_recent) {
    read_back(from, std::min(to, first_recent), out, keys);
    if (out.size() < std::min(to, first_recent) - from) return out;  // the file ended first
  }
  for (std::uint64_t i = std::max(from, first_recent); i < to; ++i) {
    out.push_back(recent_[i - first_recent]);
    if (keys) keys->push_back(recent_keys_[i - first_recent]);
  }
  return out;
}

void OutputLog::read_back(std::uint64_t from, std::uint64_t to, std::vector<std::string>& out,
                          std::vector<std::string>* keys) const {
  std::ifstream in(path_, std::ios::binary);
  const std::uint64_t start = index_.at(from / kIndexEvery);
  in.seekg(static_cast<std::streamoff>(start));
  std::string record;
  for (std::uint64_t line = from / kIndexEvery * kIndexEvery; line < to; ++line) {
    record.resize(kFixed);
    if (!in.read(record.data(), static_cast<std::streamsize>(kFixed))) return;
    const auto shape = shape_at(record, 0);
    if (!shape)
      throw OutputLogError("output log '" + path_.string() + "' changed under the sink: bad record");
    record.resize(shape->size());
    if (!in.read(record.data() + kFixed, static_cast<std::streamsize>(shape->size() - kFixed))) return;
    if (!intact(record, 0, *shape))
      throw OutputLogError("output log '" + path_.string() + "' is damaged: line " +
                           std::to_string(line) + " cannot be read back");
    if (line < from) continue;
    out.push_back(line_at(record, 0, *shape));
    if (keys) keys->push_back(order_key(meta_at(record, 0, *shape)));
  }
}

void OutputLog::flush() {
  if (pending_.empty()) return;
  file_.append(pending_);
  pending_.clear();
}

void OutputLog::sync() {
  if (file_.is_open()) file_.sync();
}

}  // namespace flamestream
