// A front's ingestion log: every accepted line with the timestamp it was given, on disk before the
// line is acknowledged, so a replay after a failure re-assigns the SAME global times (DESIGN §3).
//
// Each record also carries the client's line number (its sequence number), so a client that sends
// a batch again after a failure is told which lines the front already holds, and a close record
// marks the end of the input. Records: [length u32][xxh64 u64][ts u64][seq u64][close u8][line],
// the checksum covering everything after it; timestamps and sequence numbers increase.
// Reopening a log scans it: a torn last record (a crash in the middle of an append, so never
// acknowledged) is cut off; a damaged record anywhere else raises IngestionLogError naming its
// offset, because replaying past it would silently change the output. Records below the last
// committed tick are dropped by truncate_below(), so the log stays bounded; the last record always
// stays, so the log still knows the next line number and whether the input ended.
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
    std::uint64_t seq = 0;  // the client's line number; for a close record, the next one
    std::string line;
    bool close = false;     // the input ended here
  };

  // Opens (creating if missing) and checks the log at `path`.
  explicit IngestionLog(std::filesystem::path path);
  ~IngestionLog();
  IngestionLog(const IngestionLog&) = delete;
  IngestionLog& operator=(const IngestionLog&) = delete;

  // Appends line number `seq`; `ts` and `seq` must exceed every one already in the log. Appends
  // are buffered in memory until flush(): a batch of lines costs one write, not one a line.
  void append(Timestamp ts, std::uint64_t seq, const std::string& line);
  // Records that the input ended; nothing may be appended after it.
  void append_close(Timestamp ts);
  // Writes the buffered appends to the file (the page cache). Called by the thread that appends.
  void flush();
  // Makes every flushed append durable (fdatasync); may run on another thread than the appends.
  // Acknowledge lines only after flush() and then this.
  void sync();

  // Every record with a timestamp at or above `from`, in order: what a replay feeds the front.
  std::vector<Record> read_from(Timestamp from);
  // Drops every record below `ts` (they belong to committed ticks) except the last one.
  void truncate_below(Timestamp ts);
  // How many records lie below `ts`, and the line number of the first line at or above it (the
  // front's determinant for a commit ending at `ts`): from memory, without reading the file.
  std::size_t count_below(Timestamp ts) const;
  std::uint64_t bytes_below(Timestamp ts) const;
  std::uint64_t first_seq_from(Timestamp ts) const;

  std::size_t size() const { return count_; }
  // The timestamp of the last record, 0 if the log is empty.
  Timestamp last_ts() const { return last_.ts; }
  // The line number the front expects next: 1 for an empty log.
  std::uint64_t next_seq() const { return count_ == 0 ? 1 : last_.close ? last_.seq : last_.seq + 1; }
  bool closed() const { return count_ > 0 && last_.close; }

 private:
  void append_record(const Record& record);
  // Reads every whole record; `whole_bytes` gets where the last one ends.
  std::vector<Record> scan(std::size_t* whole_bytes) const;
  void open_for_append();

  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t count_ = 0;
  Record last_;  // without its line
  struct Entry {
    Timestamp ts;
    std::uint64_t seq;
    bool close;
    std::uint64_t end;  // file offset just past the record
  };
  void index(const Record& r);
  std::vector<Entry> index_;  // every record in the file or in pending_, in order
  std::string pending_;       // encoded appends not written yet
};

}  // namespace flamestream
