#include "sink/output_log.h"

#include <xxhash.h>

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

OutputLog::OutputLog(std::filesystem::path path) : path_(std::move(path)) {
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
    lines_.emplace_back(file.data() + at + kHeader + 16 + 8 * trace, length);
    at += kHeader + body;
  }
  if (at < file.size()) std::filesystem::resize_file(path_, at);  // cut the torn tail
}

bool OutputLog::release(const Meta& meta, const std::string& line) {
  Meta key = release_key(meta);
  if (last_ && !(*last_ < key)) return false;
  if (file_.is_open()) encode(meta, line, pending_);
  last_ = std::move(key);
  lines_.push_back(line);
  return true;
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
