// The runner protocol, version 1 (docs/protocol.md). A runner reads test file paths on stdin,
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

inline constexpr int kProtocolVersion = 1;
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

 private:
  void parse_line(std::string_view line, std::vector<Message>& out);
  std::string buffer_;
  bool handshaken_ = false;
  bool skipping_oversized_ = false;
};

// Parses the JSON body of a result record. Returns the error in words on failure.
std::optional<std::string> parse_result_json(std::string_view json, FileResult& result);

// Splits a runner's stderr into the current file's output and end markers.
class OutputSplitter {
 public:
  // Output bytes go to `output`; each end marker found increments the return value.
  int feed(std::string_view chunk, std::string& output);
  // Flushes a held-back partial marker as plain output.
  void finish(std::string& output);

 private:
  std::string pending_;
};

// The marker an adapter writes to stderr after each file: "\x1e" "distributest:end" "\n".
inline constexpr std::string_view kEndMarker = "\x1e" "distributest:end\n";
inline constexpr std::string_view kRecordPrefix = "@distributest ";

}  // namespace dt
