// Buffered output to a file or stdout that reports write failures instead of losing lines quietly.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace flamestream {

class OutputFile {
 public:
  // "-" is stdout. Throws std::runtime_error naming the path if it cannot be opened.
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view text);
  // Hands what was written so far to the system, so that a reader (a pipe, a terminal) sees it;
  // nothing happens if nothing was written since. Throws std::runtime_error if a write failed.
  void publish();
  // Flushes and closes; throws std::runtime_error if any write failed.
  void close();

 private:
  void flush();

  std::string path_;
  std::FILE* file_;
  std::string buffer_;
  bool unpublished_ = false;  // written since the last publish()
};

}  // namespace flamestream
