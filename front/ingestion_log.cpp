#include "front/ingestion_log.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "model/errors.h"
#include "snapshot/durable_file.h"

namespace flamestream {

namespace {

constexpr std::size_t kHeader = 4 + 8 + 8 + 8 + 1;  // length, checksum, ts, seq, close

// Appends record `r` to `out`: the header's length and checksum are filled in once the body is there.
void encode_into(std::string& out, const IngestionLog::Record& r) {
  const std::size_t at = out.size();
  out.append(12, '\0');
  put_le(out, r.ts, 8);
  put_le(out, r.seq, 8);
  put_le(out, r.close ? 1 : 0, 1);
  out += r.line;
  set_le(out, at, r.line.size(), 4);
  set_le(out, at + 4, XXH64(out.data() + at + 12, out.size() - at - 12, 0));
}

}  // namespace

IngestionLog::IngestionLog(std::filesystem::path path) : path_(std::move(path)) {
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  std::size_t whole_bytes = 0;
  const auto records = scan(&whole_bytes);
  // A torn last record: the append that wrote it never returned, nothing acknowledged it.
  if (std::filesystem::exists(path_) && std::filesystem::file_size(path_) > whole_bytes)
    std::filesystem::resize_file(path_, whole_bytes);
  count_ = records.size();
  for (const Record& r : records) index(r);
  if (!records.empty()) last_ = {records.back().ts, records.back().seq, {}, records.back().close};
  open_for_append();
}

IngestionLog::~IngestionLog() {
  try {
    flush();
  } catch (const IngestionLogError&) {
    // Not flushed, so never acknowledged: the client sends those lines again.
  }
  if (fd_ >= 0) ::close(fd_);
}

void IngestionLog::open_for_append() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IngestionLogError("cannot open '" + path_.string() + "': " + std::strerror(errno));
}

std::vector<IngestionLog::Record> IngestionLog::scan(std::size_t* whole_bytes) const {
  std::vector<Record> records;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return records;
  const std::string file((std::istreambuf_iterator<char>(in)), {});
  std::size_t at = 0;
  while (at < file.size()) {
    const bool whole_header = file.size() - at >= kHeader;
    const std::size_t length = whole_header ? get_le(file, at, 4) : 0;
    const bool whole = whole_header && file.size() - at - kHeader >= length;
    if (!whole) break;
    const char* body = file.data() + at + 12;
    Record r{get_le(file, at + 12, 8), get_le(file, at + 20, 8), std::string(body + 17, length),
             file[at + 28] != 0};
    const bool in_order = records.empty() || (r.ts > records.back().ts && r.seq > records.back().seq &&
                                              !records.back().close);
    if (get_le(file, at + 4, 8) != XXH64(body, 17 + length, 0) || !in_order)
      throw IngestionLogError("ingestion log '" + path_.string() + "' is damaged at byte " +
                              std::to_string(at) + ": replaying past it would change the output");
    records.push_back(std::move(r));
    at += kHeader + length;
  }
  if (whole_bytes) *whole_bytes = at;
  return records;
}

void IngestionLog::append(Timestamp ts, std::uint64_t seq, const std::string& line) {
  check_invariant(count_ == 0 || seq > last_.seq, "ingestion log line numbers must increase");
  append_record({ts, seq, line, false});
}

void IngestionLog::append_close(Timestamp ts) { append_record({ts, next_seq(), {}, true}); }

void IngestionLog::append_record(const Record& record) {
  check_invariant(!closed(), "a line was logged after the input ended");
  check_invariant(count_ == 0 || record.ts > last_.ts, "ingestion log timestamps must increase");
  encode_into(pending_, record);
  index(record);
  ++count_;
  last_ = {record.ts, record.seq, {}, record.close};
}

void IngestionLog::flush() {
  if (pending_.empty()) return;
  try {
    write_all(fd_, pending_, path_);
  } catch (const std::exception& e) {
    throw IngestionLogError(e.what());
  }
  pending_.clear();
}

void IngestionLog::sync() {
  if (::fdatasync(fd_) != 0)
    throw IngestionLogError("cannot sync '" + path_.string() + "': " + std::strerror(errno));
}

std::vector<IngestionLog::Record> IngestionLog::read_from(Timestamp from) {
  flush();
  auto records = scan(nullptr);
  std::erase_if(records, [&](const Record& r) { return r.ts < from; });
  return records;
}

void IngestionLog::truncate_below(Timestamp ts) {
  // The index knows where each record ends, so the kept tail is copied as bytes, unparsed: the
  // records below were checked when they were written or scanned. The last record always stays.
  const std::size_t drop = std::min(count_below(ts), index_.empty() ? 0 : index_.size() - 1);
  if (drop == 0) return;
  flush();
  const std::uint64_t from = index_[drop - 1].end;
  std::string tail(index_.back().end - from, '\0');
  {
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(from));
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    if (!in) throw IngestionLogError("cannot read '" + path_.string() + "' to shorten it");
  }
  auto temp = path_;
  temp += ".tmp";
  {
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw IngestionLogError("cannot create '" + temp.string() + "': " + std::strerror(errno));
    write_all(fd, tail, temp);
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) throw IngestionLogError("cannot sync '" + temp.string() + "'");
  }
  if (::rename(temp.c_str(), path_.c_str()) != 0)
    throw IngestionLogError("cannot replace '" + path_.string() + "': " + std::strerror(errno));
  index_.erase(index_.begin(), index_.begin() + static_cast<std::ptrdiff_t>(drop));
  for (Entry& e : index_) e.end -= from;
  count_ = index_.size();
  open_for_append();
}

void IngestionLog::index(const Record& r) {
  const std::uint64_t start = index_.empty() ? 0 : index_.back().end;
  index_.push_back({r.ts, r.seq, r.close, start + kHeader + r.line.size()});
}

std::uint64_t IngestionLog::bytes_below(Timestamp ts) const {
  const std::size_t n = count_below(ts);
  return n == 0 ? 0 : index_[n - 1].end;
}

std::size_t IngestionLog::count_below(Timestamp ts) const {
  return static_cast<std::size_t>(std::lower_bound(index_.begin(), index_.end(), ts,
                                                   [](const Entry& e, Timestamp t) { return e.ts < t; }) -
                                  index_.begin());
}

std::uint64_t IngestionLog::first_seq_from(Timestamp ts) const {
  const std::size_t at = count_below(ts);
  return at < index_.size() && !index_[at].close ? index_[at].seq : next_seq();
}

}  // namespace flamestream
