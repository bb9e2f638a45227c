#include "front/ingestion_log.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "model/errors.h"

namespace flamestream {

namespace {

constexpr std::size_t kHeader = 4 + 8 + 8;

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::uint64_t get(const std::string& in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  return v;
}

std::uint64_t checksum(Timestamp ts, const char* line, std::size_t size) {
  return XXH64(line, size, ts);
}

std::string encode(Timestamp ts, const std::string& line) {
  std::string r;
  r.reserve(kHeader + line.size());
  put(r, line.size(), 4);
  put(r, ts, 8);
  put(r, checksum(ts, line.data(), line.size()), 8);
  return r + line;
}

void write_all(int fd, const std::string& data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IngestionLogError("cannot write '" + path.string() + "': " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
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
  last_ts_ = records.empty() ? 0 : records.back().ts;
  open_for_append();
}

IngestionLog::~IngestionLog() {
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
    const std::size_t length = whole_header ? get(file, at, 4) : 0;
    const bool whole = whole_header && file.size() - at - kHeader >= length;
    if (!whole) break;
    const Timestamp ts = get(file, at + 4, 8);
    const char* line = file.data() + at + kHeader;
    if (get(file, at + 12, 8) != checksum(ts, line, length) ||
        (!records.empty() && ts <= records.back().ts))
      throw IngestionLogError("ingestion log '" + path_.string() + "' is damaged at byte " +
                              std::to_string(at) + ": replaying past it would change the output");
    records.push_back({ts, std::string(line, length)});
    at += kHeader + length;
  }
  if (whole_bytes) *whole_bytes = at;
  return records;
}

void IngestionLog::append(Timestamp ts, const std::string& line) {
  check_invariant(count_ == 0 || ts > last_ts_, "ingestion log timestamps must increase");
  write_all(fd_, encode(ts, line), path_);
  ++count_;
  last_ts_ = ts;
}

void IngestionLog::sync() {
  if (::fdatasync(fd_) != 0)
    throw IngestionLogError("cannot sync '" + path_.string() + "': " + std::strerror(errno));
}

std::vector<IngestionLog::Record> IngestionLog::read_from(Timestamp from) const {
  auto records = scan(nullptr);
  std::erase_if(records, [&](const Record& r) { return r.ts < from; });
  return records;
}

void IngestionLog::truncate_below(Timestamp ts) {
  const auto kept = read_from(ts);
  auto temp = path_;
  temp += ".tmp";
  {
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw IngestionLogError("cannot create '" + temp.string() + "': " + std::strerror(errno));
    std::string data;
    for (const Record& r : kept) data += encode(r.ts, r.line);
    write_all(fd, data, temp);
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) throw IngestionLogError("cannot sync '" + temp.string() + "'");
  }
  if (::rename(temp.c_str(), path_.c_str()) != 0)
    throw IngestionLogError("cannot replace '" + path_.string() + "': " + std::strerror(errno));
  count_ = kept.size();
  open_for_append();
}

}  // namespace flamestream
