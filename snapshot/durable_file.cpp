#include "snapshot/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

namespace flamestream {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw DurableFileError(what + " '" + path.string() + "': " + std::strerror(errno));
}

}  // namespace

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
}

void fsync_path(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open for fsync", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("cannot fsync", path);
}

void write_file_atomically(const std::filesystem::path& target, std::string_view data) {
  auto temp = target;
  temp += ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", temp);
  try {
    write_all(fd, data, temp);
  } catch (const DurableFileError&) {
    ::close(fd);
    throw;
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("cannot fsync", temp);
  }
  ::close(fd);
  if (::rename(temp.c_str(), target.c_str()) != 0) fail("cannot rename into", target);
  fsync_path(target.has_parent_path() ? target.parent_path() : std::filesystem::path("."));  // the rename itself
}

void punch_hole(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t length) {
  if (length == 0) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open", path);
  const int rc = ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                             static_cast<off_t>(length));
  const int error = errno;
  ::close(fd);
  errno = error;
  if (rc != 0 && errno != EOPNOTSUPP && errno != ENOSYS) fail("cannot free old bytes of", path);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), {});
}

AppendFile::AppendFile(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot open", path);
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

AppendFile::AppendFile(AppendFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void AppendFile::append(std::string_view data) { write_all(fd_, data, path_); }

void AppendFile::sync() {
  if (::fdatasync(fd_) != 0) fail("cannot sync", path_);
}

}  // namespace flamestream
