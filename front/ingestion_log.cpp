#include "front/ingestion_log.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "model/errors.h"
#include "snapshot/durable_file.h"

namespace flamestream {

namespace {

constexpr std::size_t kHeader = 4 + 8 + 8 + 8 + 1;  // length, checksum, ts, seq, kind
enum Kind : std::uint8_t { kLine = 0, kClose = 1, kPromise = 2 };

// Appends record `r` to `out`: the header's length and checksum are filled in once the body is there.
void encode_into(std::string& out, const IngestionLog::Record& r) {
  const std::size_t at = out.size();
  out.append(12, '\0');
  put_le(out, r.ts, 8);
  put_le(out, r.seq, 8);
  put_le(out, r.close ? kClose : r.promise ? kPromise : kLine, 1);
  out += r.line;
  set_le(out, at, r.line.size(), 4);
  set_le(out, at + 4, XXH64(out.data() + at + 12, out.size() - at - 12, 0));
}

}  // namespace

IngestionLog::IngestionLog(std::filesystem::path dir) : dir_(std::move(dir)) {
  if (std::filesystem::exists(dir_) && !std::filesystem::is_directory(dir_))
    throw IngestionLogError("ingestion log '" + dir_.string() + "' is not a directory of segments");
  std::filesystem::create_directories(dir_);
  std::vector<std::uint64_t> numbers;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 24 && name.ends_with(".seg") &&
        name.find_first_not_of("0123456789") == 20)
      numbers.push_back(std::stoull(name.substr(0, 20)));
  }
  std::sort(numbers.begin(), numbers.end());
  std::optional<Entry> previous;
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    const std::filesystem::path path = segment_path(numbers[i]);
    const std::string bytes = read_file(path);
    Segment segment{numbers[i]};
    const std::size_t whole = scan(numbers[i], bytes, previous, [&](Record&& r) {
      index_.push_back({r.ts, r.seq, r.close, r.promise});
      ++segment.records;
      segment.last_ts = r.ts;
    });
    if (whole < bytes.size()) {
      if (i + 1 < numbers.size())
        throw IngestionLogError("ingestion log segment '" + path.string() + "' ends in a partial record at byte " +
                                std::to_string(whole) + ": replaying past it would change the output");
      // A torn last record: the append that wrote it never returned, nothing acknowledged it.
      std::filesystem::resize_file(path, whole);
    }
    segments_.push_back(segment);
  }
  if (previous) last_ = {previous->ts, previous->seq, {}, previous->close, previous->promise};
  open_segment(segments_.empty() ? 1 : segments_.back().number);
  if (segments_.empty()) segments_.push_back({1});
}

IngestionLog::~IngestionLog() {
  try {
    flush();
  } catch (const IngestionLogError&) {
    // Not flushed, so never acknowledged: the client sends those lines again.
  }
  if (fd_ >= 0) ::close(fd_);
  for (int fd : retired_) ::close(fd);
}

std::filesystem::path IngestionLog::segment_path(std::uint64_t number) const {
  std::string name = std::to_string(number);
  return dir_ / (std::string(20 - name.size(), '0') + name + ".seg");
}

void IngestionLog::open_segment(std::uint64_t number) {
  const std::filesystem::path path = segment_path(number);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw IngestionLogError("cannot open '" + path.string() + "': " + std::strerror(errno));
  std::lock_guard lock(sync_mutex_);
  if (fd_ >= 0) retired_.push_back(fd_);
  fd_ = fd;
  directory_changed_ = true;
}

std::size_t IngestionLog::scan(std::uint64_t number, const std::string& file,
                               std::optional<Entry>& previous,
                               const std::function<void(Record&&)>& take) const {
  std::size_t at = 0;
  while (at < file.size()) {
    const bool whole_header = file.size() - at >= kHeader;
    const std::size_t length = whole_header ? get_le(file, at, 4) : 0;
    const bool whole = whole_header && file.size() - at - kHeader >= length;
    if (!whole) break;
    const char* body = file.data() + at + 12;
    const auto kind = static_cast<std::uint8_t>(file[at + 28]);
    Record r{get_le(file, at + 12, 8), get_le(file, at + 20, 8), std::string(body + 17, length),
             kind == kClose, kind == kPromise};
    const Entry entry{r.ts, r.seq, r.close, r.promise};
    const bool in_order = kind <= kPromise && (!previous || previous->followed_by(entry));
    if (get_le(file, at + 4, 8) != XXH64(body, 17 + length, 0) || !in_order)
      throw IngestionLogError("ingestion log segment '" + segment_path(number).string() +
                              "' is damaged at byte " + std::to_string(at) +
                              ": replaying past it would change the output");
    previous = entry;
    take(std::move(r));
    at += kHeader + length;
  }
  return at;
}

void IngestionLog::append(Timestamp ts, std::uint64_t seq, const std::string& line) {
  check_invariant(seq >= next_seq(), "ingestion log line numbers must increase");
  append_record({ts, seq, line, false});
}

void IngestionLog::append_close(Timestamp ts) { append_record({ts, next_seq(), {}, true}); }

void IngestionLog::append_promise(Timestamp ts) { append_record({ts, next_seq(), {}, false, true}); }

void IngestionLog::append_record(const Record& record) {
  check_invariant(!closed(), "a line was logged after the input ended");
  check_invariant(index_.empty() || record.ts > last_.ts, "ingestion log timestamps must increase");
  encode_into(pending_, record);
  index_.push_back({record.ts, record.seq, record.close, record.promise});
  Segment& segment = segments_.back();
  ++segment.records;
  segment.last_ts = record.ts;
  last_ = {record.ts, record.seq, {}, record.close, record.promise};
}

void IngestionLog::flush() {
  if (pending_.empty()) return;
  try {
    write_all(fd_, pending_, segment_path(segments_.back().number));
  } catch (const std::exception& e) {
    throw IngestionLogError(e.what());
  }
  pending_.clear();
}

void IngestionLog::sync() {
  std::vector<int> retired;
  int fd = -1;
  bool directory_changed = false;
  {
    std::lock_guard lock(sync_mutex_);
    retired.swap(retired_);
    fd = fd_;
    directory_changed = std::exchange(directory_changed_, false);
  }
  // Earlier segments first: they hold older lines. Every retired descriptor is closed, failing or not.
  bool retired_synced = true;
  for (int r : retired) {
    retired_synced = ::fdatasync(r) == 0 && retired_synced;
    ::close(r);
  }
  if (!retired_synced) throw IngestionLogError("cannot sync a segment of '" + dir_.string() + "'");
  if (directory_changed) {
    try {
      fsync_path(dir_);  // a new segment's name must survive with its lines
    } catch (const DurableFileError& e) {
      throw IngestionLogError(e.what());
    }
  }
  if (::fdatasync(fd) != 0)
    throw IngestionLogError("cannot sync '" + dir_.string() + "': " + std::strerror(errno));
}

std::vector<IngestionLog::Record> IngestionLog::read_from(Timestamp from) {
  flush();
  std::vector<Record> records;
  std::optional<Entry> previous;
  for (const Segment& segment : segments_) {
    const std::string bytes = read_file(segment_path(segment.number));
    scan(segment.number, bytes, previous, [&](Record&& r) {
      if (r.ts >= from) records.push_back(std::move(r));
    });
  }
  return records;
}

std::vector<std::filesystem::path> IngestionLog::truncate_below(Timestamp ts) {
  // The newest segment with records holds the last one: it stays, whatever its timestamps.
  std::size_t keep = segments_.size() - 1;
  while (keep > 0 && segments_[keep].records == 0) --keep;
  std::vector<std::filesystem::path> dropped;
  while (keep > 0 && segments_.front().last_ts < ts) {
    const Segment gone = segments_.front();
    dropped.push_back(segment_path(gone.number));
    index_.erase(index_.begin(), index_.begin() + static_cast<std::ptrdiff_t>(gone.records));
    segments_.pop_front();
    --keep;
  }
  if (segments_.back().records == 0) return dropped;
  flush();  // what was appended so far belongs to the segment it was appended for
  segments_.push_back({segments_.back().number + 1});
  open_segment(segments_.back().number);
  return dropped;
}

std::size_t IngestionLog::count_below(Timestamp ts) const {
  return static_cast<std::size_t>(std::lower_bound(index_.begin(), index_.end(), ts,
                                                   [](const Entry& e, Timestamp t) { return e.ts < t; }) -
                                  index_.begin());
}

std::uint64_t IngestionLog::first_seq_from(Timestamp ts) const {
  const std::size_t at = count_below(ts);
  return at < index_.size() && !index_[at].close ? index_[at].seq : next_seq();  // a promise's is its next line's
}

}  // namespace flamestream
