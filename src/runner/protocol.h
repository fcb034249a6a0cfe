// The runner protocol, version 3 (docs/protocol.md). A runner reads test file paths on stdin,
// one per line, and answers each with one result record on stdout. Test output goes to the
// runner's stderr, closed per file by an end marker, so the master can tie it to the file.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/result.h"

namespace dt {

inline constexpr int kProtocolVersion = 3;
inline constexpr std::size_t kMaxRecordBytes = 64 * 1024 * 1024;

// Splits a runner's stdout into protocol messages. Lines before the handshake are noise
// (login banners, shell profiles); after it, anything that is not a record is noise too.
class RecordParser {
 public:
  struct Message {
    enum class Kind { kHello, kResult, kNoise, kError };
    Kind kind;
    std::string text;        // the noise line, the adapter name (hello) or the error
    FileResult result;       // for kResult: path, status, counts, cases, duration
  };

  // Feeds a chunk of stdout; complete messages are appended to `out`.
  void feed(std::string_view chunk, std::vector<Message>& out);
  // The stream ended: a partial line left over is reported as kError (truncated record).
  void finish(std::vector<Message>& out);
  bool handshaken() const { return handshaken_; }
  // Bytes held for an unfinished line; never more than kMaxRecordBytes.
  std::size_t buffered_bytes() const { return buffer_.size(); }

 private:
  void parse_line(std::string_view line, std::vector<Message>& out);
  std::string buffer_;
  bool handshaken_ = false;
  bool skipping_oversized_ = false;
};

// The stdin line that sends one work item to a runner: the path for a whole file, or the part
// prefix and {"path": ..., "only"|"except": [ids]} for a part of one (docs/protocol.md).
std::string work_line(const std::string& path, const Selection& selection);
inline constexpr std::string_view kPartPrefix = "\x1f";

// Parses the JSON body of a result record. Returns the error in words on failure.
std::optional<std::string> parse_result_json(std::string_view json, FileResult& result);

// Splits a runner's stderr into the current file's output and end markers. The marker may be
// split across chunks, and one chunk may close several files and begin the next one's output.
class OutputSplitter {
 public:
  // Replaces `segments` with the chunk's output cut at end markers: segments[0] continues the
  // current file, segments[i] (i >= 1) is output after the i-th marker of this chunk, so
  // segments.size() - 1 markers were seen (there is always at least one, possibly empty,
  // segment). Bytes that may begin a marker are held back until the next chunk shows whether
  // they do.
  void feed(std::string_view chunk, std::vector<std::string>& segments);
  // Appends a held-back partial marker as plain output (the stream ended).
  void finish(std::string& output);

 private:
  std::string pending_;
};

// The marker an adapter writes to stderr after each file: "\x1e" "distributest:end" "\n".
inline constexpr std::string_view kEndMarker = "\x1e" "distributest:end\n";
inline constexpr std::string_view kRecordPrefix = "@distributest ";

}  // namespace dt
