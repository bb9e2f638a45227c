// A front's ingestion log: every accepted line with the timestamp it was given, on disk before the
// line is acknowledged, so a replay after a failure re-assigns the SAME global times (DESIGN §3).
//
// Records are appended in timestamp order: [length u32][ts u64][xxh64 of ts and line u64][line].
// Reopening a log scans it: a torn last record (a crash in the middle of an append, so never
// acknowledged) is cut off; a damaged record anywhere else raises IngestionLogError naming its
// offset, because replaying past it would silently change the output. Records below the last
// committed tick are dropped by truncate_below(), so the log stays bounded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/meta.h"

namespace flamestream {

class IngestionLogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class IngestionLog {
 public:
  struct Record {
    Timestamp ts = 0;
    std::string line;
  };

  // Opens (creating if missing) and checks the log at `path`.
  explicit IngestionLog(std::filesystem::path path);
  ~IngestionLog();
  IngestionLog(const IngestionLog&) = delete;
  IngestionLog& operator=(const IngestionLog&) = delete;

  // Appends one record; `ts` must exceed every timestamp already in the log.
  void append(Timestamp ts, const std::string& line);
  // Makes every append so far durable (fdatasync). Acknowledge lines only after this.
  void sync();

  // Every record with a timestamp at or above `from`, in order: what a replay feeds the front.
  std::vector<Record> read_from(Timestamp from) const;
  // Drops every record below `ts` (they belong to committed ticks).
  void truncate_below(Timestamp ts);

  std::size_t size() const { return count_; }
  // The timestamp of the last record, 0 if the log is empty.
  Timestamp last_ts() const { return last_ts_; }

 private:
  // Reads every whole record; `whole_bytes` gets where the last one ends.
  std::vector<Record> scan(std::size_t* whole_bytes) const;
  void open_for_append();

  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t count_ = 0;
  Timestamp last_ts_ = 0;
};

}  // namespace flamestream
