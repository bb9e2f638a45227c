// The primitives every durable file of a worker is built from: little-endian fields, whole writes
// that survive EINTR, fsync of a file or a directory, and an append-only file. The snapshot store,
// a front's ingestion log and a sink's output log all write through these, so a newcomer checking
// what "durable" means here reads one file. Every failure is a DurableFileError naming the path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace flamestream {

class DurableFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Appends the low `bytes` bytes of `v`, least significant first.
inline void put_le(std::string& out, std::uint64_t v, int bytes = 8) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// Overwrites the `bytes` bytes at `at` with the low bytes of `v`, least significant first: a
// length or checksum filled in once what it covers has been appended.
inline void set_le(std::string& out, std::size_t at, std::uint64_t v, int bytes = 8) {
  for (int i = 0; i < bytes; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}

// Reads `bytes` little-endian bytes at `at`; the caller checked the bounds.
inline std::uint64_t get_le(std::string_view in, std::size_t at, int bytes = 8) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  return v;
}

// Writes all of `data` to `fd`.
void write_all(int fd, std::string_view data, const std::filesystem::path& path);
// fsyncs the file or directory at `path`.
void fsync_path(const std::filesystem::path& path);
// Replaces the file at `target` by one holding `data`, all or nothing even across a crash: written
// to TARGET.tmp, fsynced, renamed over `target`, and the directory fsynced.
void write_file_atomically(const std::filesystem::path& target, std::string_view data);
// Frees the disk blocks of `length` bytes at `offset` in the file at `path`, which then read as
// zeros; its size stays. On a file system that cannot, nothing happens (the bytes stay allocated).
void punch_hole(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t length);
// The whole file, or empty if it does not exist.
std::string read_file(const std::filesystem::path& path);

// A file opened for appending (created if missing).
class AppendFile {
 public:
  AppendFile() = default;
  explicit AppendFile(const std::filesystem::path& path);
  ~AppendFile();
  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&& other) noexcept;

  void append(std::string_view data);
  void sync();  // fdatasync
  bool is_open() const { return fd_ >= 0; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace flamestream
