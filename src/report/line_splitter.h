// Cuts interleaved output of many sources (runners, hooks) into whole lines per source.
// Output arrives in arbitrary chunks, so a line may span several; each source's unfinished
// line waits here until its newline, a flush, or until it grows past a cap: a runner that
// floods megabytes without a newline must not grow the master's memory.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace dt {

class LineSplitter {
 public:
  // Gets each line without its "\n" (nor a "\r" before it).
  using Sink = std::function<void(const std::string& source, std::string_view line)>;
  static constexpr std::size_t kDefaultMaxPartial = 64 * 1024;

  explicit LineSplitter(std::size_t max_partial = kDefaultMaxPartial);

  void feed(const std::string& source, std::string_view text, const Sink& sink);
  // Emits the source's unfinished line, if any, as a line.
  void flush(const std::string& source, const Sink& sink);
  void flush_all(const Sink& sink);
  // Bytes held in unfinished lines, over all sources.
  std::size_t buffered() const;

 private:
  std::map<std::string, std::string> partial_;
  std::size_t max_partial_;
};

}  // namespace dt
