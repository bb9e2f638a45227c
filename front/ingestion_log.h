// A front's ingestion log: every accepted line with the timestamp it was given, on disk before the
// line is acknowledged, so a replay after a failure re-assigns the SAME global times (DESIGN §3).
//
// Each record also carries the client's line number (its sequence number), so a client that sends
// a batch again after a failure is told which lines the front already holds, and a close record
// marks the end of the input. A promise record keeps what a front bound to a client's times
// (Front::bind) promised beyond its lines — that every later line lies above its timestamp — so
// a recovered front promises it again, and knows it is bound. Records: [length u32][xxh64 u64]
// [ts u64][seq u64][kind u8: 0 line, 1 close, 2 promise][line], the checksum covering everything
// after it; timestamps increase, and so do the line numbers of lines (a close or promise record
// carries the number of the line after it).
//
// The log is a directory of segments, DIR/<number>.seg (20 digits, so names sort like numbers),
// each a run of records continuing the one before. Appends go to the newest segment.
// truncate_below() drops the segments wholly below a committed timestamp and starts a new one, so
// bounding the log copies nothing and never waits for a sync on the appending thread (copying the
// kept tail into a new file stalled the front's worker 24 ms a commit at 570 k lines/s); the
// dropped files are deleted by the caller, off that thread (an unlink takes milliseconds). The
// segment holding the last record always stays, so the log still knows the next line number and
// whether the input ended.
//
// Reopening scans every segment in order: a torn last record of the newest segment (a crash in the
// middle of an append, so never acknowledged) is cut off; a damaged or truncated record anywhere
// else raises IngestionLogError naming its file and offset, because replaying past it would
// silently change the output.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
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
    bool promise = false;   // no line: every later line lies above `ts`
  };

  // Opens (creating if missing) and checks the log in directory `dir`.
  explicit IngestionLog(std::filesystem::path dir);
  ~IngestionLog();
  IngestionLog(const IngestionLog&) = delete;
  IngestionLog& operator=(const IngestionLog&) = delete;

  // Appends line number `seq`; `ts` and `seq` must exceed every one already in the log. Appends
  // are buffered in memory until flush(): a batch of lines costs one write, not one a line.
  void append(Timestamp ts, std::uint64_t seq, const std::string& line);
  // Records that the input ended; nothing may be appended after it.
  void append_close(Timestamp ts);
  // Records a bound front's promise that every later line lies above `ts` (above every record).
  void append_promise(Timestamp ts);
  // Writes the buffered appends to the newest segment (the page cache). Called by the thread that
  // appends.
  void flush();
  // Makes every flushed append durable (fdatasync of the segments written since the last sync, and
  // of the directory when a segment was created); may run on another thread than the appends.
  // Acknowledge lines only after flush() and then this.
  void sync();

  // Every record with a timestamp at or above `from`, in order: what a replay feeds the front.
  std::vector<Record> read_from(Timestamp from);
  // Drops the segments whose records all lie below `ts` (committed ticks), except the one holding
  // the last record, and starts a new segment for the appends that follow. Returns the dropped
  // segments' files, which the caller deletes (until then a reopened log reads them again, harmless:
  // their records lie below a committed timestamp).
  [[nodiscard]] std::vector<std::filesystem::path> truncate_below(Timestamp ts);
  // How many records lie below `ts`, and the line number of the first line at or above it (the
  // front's determinant for a commit ending at `ts`): from memory, without reading the files.
  std::size_t count_below(Timestamp ts) const;
  std::uint64_t first_seq_from(Timestamp ts) const;

  std::size_t size() const { return index_.size(); }
  std::size_t segments() const { return segments_.size(); }
  // The timestamp of the last record, 0 if the log is empty.
  Timestamp last_ts() const { return last_.ts; }
  // The line number the front expects next: 1 for an empty log.
  std::uint64_t next_seq() const {
    return index_.empty() ? 1 : last_.close || last_.promise ? last_.seq : last_.seq + 1;
  }
  bool empty() const { return index_.empty(); }
  bool closed() const { return !index_.empty() && last_.close; }

 private:
  struct Segment {
    std::uint64_t number;
    std::size_t records = 0;
    Timestamp last_ts = 0;
  };
  struct Entry {
    Timestamp ts;
    std::uint64_t seq;
    bool close;
    bool promise;
    bool line() const { return !close && !promise; }
    // Whether `next` may follow this record in a log.
    bool followed_by(const Entry& next) const {
      return next.ts > ts && !close && (line() ? next.seq > seq : next.seq >= seq);
    }
  };

  std::filesystem::path segment_path(std::uint64_t number) const;
  // Reads segment `number`'s bytes, handing each whole record to `take` after checking it follows
  // `previous` (updated as it goes); returns the bytes its whole records span.
  std::size_t scan(std::uint64_t number, const std::string& bytes, std::optional<Entry>& previous,
                   const std::function<void(Record&&)>& take) const;
  void open_segment(std::uint64_t number);
  void append_record(const Record& record);

  std::filesystem::path dir_;
  std::deque<Segment> segments_;  // oldest first; appends go to the last
  std::deque<Entry> index_;       // every record in the segments or in pending_, in order
  Record last_;                   // without its line
  std::string pending_;           // encoded appends not written yet

  // The appending thread swaps the newest segment's descriptor while sync() may run on another:
  // an earlier segment's descriptor stays open in retired_ until a sync has made it durable.
  mutable std::mutex sync_mutex_;
  int fd_ = -1;
  std::vector<int> retired_;
  bool directory_changed_ = false;
};

}  // namespace flamestream
