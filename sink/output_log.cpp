#include "sink/output_log.h"

#include <xxhash.h>

#include <fstream>

#include "snapshot/durable_file.h"

namespace flamestream {

namespace {

constexpr std::size_t kHeader = 4 + 8;  // line length, checksum
constexpr std::size_t kMaxTrace = 4096;  // as on the wire: more is damage, not a trace

// Appends the record of `line` to `out`.
void encode(const Meta& meta, const std::string& line, std::string& out) {
  const std::size_t start = out.size();
  put_le(out, line.size(), 4);
  put_le(out, 0);  // the checksum, filled in below
  put_le(out, meta.time.ts);
  put_le(out, meta.time.front, 4);
  put_le(out, meta.trace.size(), 4);
  for (std::size_t i = 0; i < meta.trace.size(); ++i) {
    put_le(out, meta.trace[i].logical, 4);
    put_le(out, meta.trace[i].child, 4);
  }
  out += line;
  const std::uint64_t sum = XXH64(out.data() + start + kHeader, out.size() - start - kHeader, 0);
  for (std::size_t i = 0; i < 8; ++i) out[start + 4 + i] = static_cast<char>(sum >> (8 * i));
}

// The meta with every logical time (grouping version) zeroed: what names a released item.
Meta release_key(const Meta& meta) {
  Meta key{meta.time, {}};
  for (std::size_t i = 0; i < meta.trace.size(); ++i) key.trace.push_back({0, meta.trace[i].child});
  return key;
}

}  // namespace

OutputLog::OutputLog(std::filesystem::path path, std::size_t recent_lines)
    : path_(std::move(path)), recent_limit_(recent_lines) {
  if (path_.empty()) return;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  load();
  file_ = AppendFile(path_);
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
  while (file.size() - at >= kHeader + 16) {
    const std::size_t length = get_le(file, at, 4);
    const std::size_t trace = get_le(file, at + kHeader + 12, 4);
    if (trace > kMaxTrace) break;  // not a whole record: a torn tail, or damage
    const std::size_t body = 16 + 8 * trace + length;
    if (file.size() - at - kHeader < body) break;
    if (XXH64(file.data() + at + kHeader, body, 0) != get_le(file, at + 4)) {
      if (at + kHeader + body == file.size()) break;  // the last record, torn mid-write
      throw OutputLogError("output log '" + path_.string() + "' is damaged at byte " +
                           std::to_string(at) + ": the sink cannot tell what it released");
    }
    Meta meta;
    meta.time.ts = get_le(file, at + kHeader);
    meta.time.front = static_cast<FrontId>(get_le(file, at + kHeader + 8, 4));
    for (std::size_t i = 0; i < trace; ++i) {
      const std::size_t t = at + kHeader + 16 + 8 * i;
      meta.trace.push_back({static_cast<std::uint32_t>(get_le(file, t, 4)),
                            static_cast<std::uint32_t>(get_le(file, t + 4, 4))});
    }
    meta = release_key(meta);
    if (last_ && !(*last_ < meta))
      throw OutputLogError("output log '" + path_.string() + "' is out of order at byte " +
                           std::to_string(at));
    last_ = std::move(meta);
    add_line(std::string(file.data() + at + kHeader + 16 + 8 * trace, length), at);
    at += kHeader + body;
  }
  if (at < file.size()) std::filesystem::resize_file(path_, at);  // cut the torn tail
  file_end_ = at;
}

bool OutputLog::release(const Meta& meta, const std::string& line) {
  Meta key = release_key(meta);
  if (last_ && !(*last_ < key)) return false;
  const std::uint64_t offset = file_end_;
  if (file_.is_open()) {
    const std::size_t before = pending_.size();
    encode(meta, line, pending_);
    file_end_ += pending_.size() - before;
  }
  last_ = std::move(key);
  add_line(line, offset);
  return true;
}

void OutputLog::add_line(std::string line, std::uint64_t offset) {
  if (count_ % kIndexEvery == 0) index_.push_back(offset);
  ++count_;
  recent_.push_back(std::move(line));
  if (!path_.empty() && recent_.size() > recent_limit_) recent_.pop_front();
}

std::vector<std::string> OutputLog::lines(std::uint64_t from, std::size_t max) const {
  std::vector<std::string> out;
  if (from >= count_) return out;
  const std::uint64_t to = count_ - from > max ? from + max : count_;
  const std::uint64_t first_recent = count_ - recent_.size();
  if (from < first_recent) {
    read_back(from, std::min(to, first_recent), out);
    if (out.size() < std::min(to, first_recent) - from) return out;  // the file ended first
  }
  for (std::uint64_t i = std::max(from, first_recent); i < to; ++i) out.push_back(recent_[i - first_recent]);
  return out;
}

void OutputLog::read_back(std::uint64_t from, std::uint64_t to, std::vector<std::string>& out) const {
  std::ifstream in(path_, std::ios::binary);
  const std::uint64_t start = index_.at(from / kIndexEvery);
  in.seekg(static_cast<std::streamoff>(start));
  std::string record;
  for (std::uint64_t line = from / kIndexEvery * kIndexEvery; line < to; ++line) {
    record.resize(kHeader + 16);
    if (!in.read(record.data(), static_cast<std::streamsize>(record.size()))) return;
    const std::size_t length = get_le(record, 0, 4);
    const std::size_t trace = get_le(record, kHeader + 12, 4);
    if (trace > kMaxTrace)
      throw OutputLogError("output log '" + path_.string() + "' changed under the sink: bad record");
    record.resize(kHeader + 16 + 8 * trace + length);
    if (!in.read(record.data() + kHeader + 16, static_cast<std::streamsize>(8 * trace + length))) return;
    if (XXH64(record.data() + kHeader, record.size() - kHeader, 0) != get_le(record, 4))
      throw OutputLogError("output log '" + path_.string() + "' is damaged: line " +
                           std::to_string(line) + " cannot be read back");
    if (line >= from) out.push_back(record.substr(kHeader + 16 + 8 * trace));
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
