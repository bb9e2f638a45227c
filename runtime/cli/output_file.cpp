#include "runtime/cli/output_file.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace flamestream {

namespace {
constexpr std::size_t kFlushBytes = 64 * 1024;
}

OutputFile::OutputFile(const std::string& path)
    : path_(path), file_(path == "-" ? stdout : std::fopen(path.c_str(), "wb")) {
  if (!file_) throw std::runtime_error("cannot open output '" + path + "': " + std::strerror(errno));
}

OutputFile::~OutputFile() {
  if (!file_) return;
  try {
    close();
  } catch (const std::exception&) {
    // Already closing on an error path; the caller reports the first error.
  }
}

void OutputFile::write(std::string_view text) {
  buffer_.append(text);
  unpublished_ = true;
  if (buffer_.size() >= kFlushBytes) flush();
}

void OutputFile::publish() {
  if (!unpublished_ || !file_) return;
  flush();
  if (std::fflush(file_) != 0)
    throw std::runtime_error("writing '" + path_ + "' failed: " + std::strerror(errno));
  unpublished_ = false;
}

void OutputFile::flush() {
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    throw std::runtime_error("writing '" + path_ + "' failed: " + std::strerror(errno));
  buffer_.clear();
}

void OutputFile::close() {
  if (!file_) return;
  flush();
  std::FILE* f = file_;
  file_ = nullptr;
  const bool ok = (f == stdout ? std::fflush(f) : std::fclose(f)) == 0;
  if (!ok) throw std::runtime_error("writing '" + path_ + "' failed: " + std::strerror(errno));
}

}  // namespace flamestream
