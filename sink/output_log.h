// A sink's released output, durable and idempotent (DESIGN §3).
//
// Releases come in meta order, so the meta of the last line written says exactly what was
// released. Metas are compared without their logical times: those are grouping versions, which
// count replays and so depend on timing — a window released before a failure may come again with
// another version after it. Without them a released item's meta still names it (one final window
// ends at each item) and orders releases the same way (two released items differ first at a
// child id or a timestamp, before any version). Every line is written with its meta; after a recovery the replay releases again what
// lies between the last commit and the crash, and release() skips everything at or below the last
// meta on record, so each line is written once.
//
// The file: an 8-byte magic, then frames, one a flush() — [body length u32][line count u32]
// [xxh64 of the body, low 32 bits][body], little-endian. The body holds the frame's records, each
// coded against the record before it in the frame (the first against zeros, so a frame reads on
// its own): a head byte saying what changed, the time's delta, the front id if it changed, the
// trace's child ids (logical times are not kept: see above) as "one entry differs" (position and
// delta) or whole, then the line's length and the line. Consecutive releases differ in little —
// the words of one input line share the time and differ in one child id — so a record costs the
// line and three or four bytes (word count: about 1.4x its output text; a record a line with whole
// metas took 10x).
// release() codes its record into the open frame; flush() writes the frame, and the worker calls
// it after every batch of releases, before it handles anything else — so before any tail client
// sees the lines and before a commit covering them. A process killed in between loses only lines
// after the last meta on record, which the replay releases again. A flushed write is in the page
// cache (a killed process loses nothing); sync() makes it survive the machine, and the commit
// protocol calls it before a commit is acknowledged.
// Reopening cuts a torn last frame; damage anywhere else raises OutputLogError. With an empty path
// the log lives in memory only (exactly-once off).
// Tail clients read lines by number. With a file, memory keeps only the most recent lines (where
// clients that keep up read) and a sparse index of frame offsets; older lines are read back from
// the file, so a long job's sink does not hold its whole output in memory.
// Retention: with `retain_bytes`, once the frames on disk exceed it, the oldest go (whole stretches
// between two indexed frames): their disk blocks are freed by punching a hole in the file, and
// FILE.retained records the first line and frame kept, written before the hole is punched. Line
// numbers never change; lines before first_line() are gone, and a reader asking for them gets the
// lines from first_line() on. Idempotent release needs only the last meta, which is always kept.
#pragma once

#include <deque>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/meta.h"
#include "snapshot/durable_file.h"

namespace flamestream {

class OutputLogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputLog {
 public:
  // Lines kept in memory when the log has a file (all of them without one).
  static constexpr std::size_t kRecentLines = 1 << 16;

  // `retain_bytes`: keep about this much of the file (0: everything).
  explicit OutputLog(std::filesystem::path path = {}, std::size_t recent_lines = kRecentLines,
                     std::uint64_t retain_bytes = 0);
  ~OutputLog();
  OutputLog(const OutputLog&) = delete;
  OutputLog& operator=(const OutputLog&) = delete;

  // Writes `line`, released with `meta`, unless the log already holds it (meta at or below the
  // last one written). Returns whether it was written.
  bool release(const Meta& meta, const std::string& line);
  // Writes the records release() buffered (one write for a whole batch of releases).
  void flush();
  // Makes what was flushed durable; may run on another thread than release() and flush().
  void sync();

  // Lines released so far.
  std::uint64_t size() const { return count_; }
  // The number of the first line still kept: lines before it were removed by retention.
  std::uint64_t first_line() const { return first_line_; }
  // Bytes of the file still holding lines (what retention bounds).
  std::uint64_t retained_bytes() const { return file_end_ - retained_offset_; }
  // Up to `max` lines from line number `from` (at least first_line()) on, none past the end: recent ones from memory,
  // older ones read back from the file. Throws OutputLogError if the file cannot be read back.
  // `keys`, when given, gets each line's order key (order_key()).
  std::vector<std::string> lines(std::uint64_t from, std::size_t max,
                                 std::vector<std::string>* keys = nullptr) const;

  // A released line's place in its sink's order, as bytes that compare like its meta without the
  // logical times (the order every instance of a sink releases in): its time and front id, then
  // the child ids of its trace, big-endian. Merging instances by these keys gives the order one
  // sink would have released in. order_key_time() reads the time back.
  static std::string order_key(const Meta& meta);
  static Timestamp order_key_time(const std::string& key);
  // The meta of the last line written, logical times zeroed.
  std::optional<Meta> last() const;

 private:
  void load();

  // Drops the oldest frames while the file holds more than retain_bytes_.
  void apply_retention();
  std::filesystem::path retained_path() const { return path_.string() + ".retained"; }
  // One line more, released with `meta`.
  void add_line(std::string line, const Meta& meta);
  // Lines [from, to) read back from the file, and their keys when `keys`; fewer if the file ends first.
  void read_back(std::uint64_t from, std::uint64_t to, std::vector<std::string>& out,
                 std::vector<std::string>* keys) const;

  static constexpr std::uint64_t kIndexEvery = 1024;  // lines between two indexed frames, at least

  struct IndexEntry {
    std::uint64_t first_line;  // of the frame
    std::uint64_t offset;      // of the frame in the file
  };

  std::filesystem::path path_;
  std::size_t recent_limit_;
  std::uint64_t retain_bytes_;
  std::uint64_t first_line_ = 0;       // retention removed the lines before it
  std::uint64_t retained_offset_ = 0;  // where the first frame kept starts
  AppendFile file_;  // closed when the log lives in memory only
  std::deque<std::string> recent_;   // the last lines, line count_ − recent_.size() first
  std::deque<std::string> recent_keys_;  // their order keys
  std::uint64_t count_ = 0;
  std::vector<IndexEntry> index_;
  std::uint64_t file_end_ = 0;       // where the next frame goes
  std::optional<Meta> last_;  // as released: compared without its logical times
  std::string pending_;  // the frame being filled: header room, then its records
  std::uint64_t pending_lines_ = 0;
  Meta pending_last_;  // what its next record is coded against
};

}  // namespace flamestream
