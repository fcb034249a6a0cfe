// One log file per run, holding everything the console leaves out: every runner's and hook's
// raw output and the master's own events, each line stamped and tagged with its source. It
// lives in a user-private directory because test output may hold secrets.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "report/status.h"

namespace dt {

class RunLog {
 public:
  RunLog();
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  // $XDG_STATE_HOME/distributest/logs, else ~/.local/state/distributest/logs; "" if neither
  // is known.
  static std::string default_dir();

  // Creates `dir` (default_dir() when empty) and a fresh run-YYYYmmdd-HHMMSS-<pid>.log in it,
  // and points latest.log at it. Returns "" or the error in words; refuses a directory that
  // another user owns or that is group or world writable.
  std::string open(const std::string& dir);
  bool is_open() const;
  const std::string& path() const;  // "" until open

  // Writes "HH:MM:SS.mmm [source] line" per line of `text`; an unfinished last line waits
  // for the rest of it (or a flush).
  void line(const std::string& source, std::string_view text);
  // The master's own events, tagged [master].
  void event(Status::Level level, std::string_view message);
  // Writes the source's unfinished line, e.g. when its file has ended.
  void flush(const std::string& source);
  // Writes every unfinished line and pushes the file to the kernel.
  void flush();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dt
