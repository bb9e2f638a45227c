// An in-memory text as an input source, for tests: the text goes into an anonymous memory file
// (memfd), which is then read through DescriptorSource like any input file.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "front/source.h"

namespace flamestream::test_support {

inline std::unique_ptr<DescriptorSource> text_source(const std::string& text,
                                                     std::size_t max_line_bytes = kDefaultMaxLineBytes) {
  const int fd = ::memfd_create("flamestream-test-input", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  for (std::size_t written = 0; written < text.size();) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      throw std::runtime_error(std::string("writing a test input: ") + std::strerror(error));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    ::close(fd);
    throw std::runtime_error("rewinding a test input failed");
  }
  return std::make_unique<DescriptorSource>(fd, "test input", true, max_line_bytes);
}

}  // namespace flamestream::test_support
