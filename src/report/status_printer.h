// StatusPrinter shows a run to a person and writes the run log.
//
// What reaches the console, by verbosity (the log always gets everything):
//   -1  quiet: warnings and errors (stderr) and the final report only.
//    0  on a terminal: one live status line, and a line per file that did not pass, printed
//       above it as it happens. Elsewhere (CI logs, cron mails): a line per file that did not
//       pass and a progress line at each tenth of the run, so a log stays short but shows the
//       run is alive and when each failure happened.
//    1  also a line per finished file and the master's info events.
//    2  also each started file and the raw output of runners and hooks, tagged by source.
// The report at the end is built by final_report.h; this file keeps the live lines.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>
#include <mutex>
#include <string>
#include <string_view>

#include "report/github_annotations.h"
#include "report/line_splitter.h"
#include "report/status.h"

namespace dt {

class RunLog;

// The --color / `color` setting: "always", "never" or "auto". In auto mode colour needs a
// terminal, and NO_COLOR (set and non-empty, see no-color.org) or TERM=dumb turn it off; an
// explicit "always" wins over NO_COLOR, as no-color.org asks.
bool want_color(const std::string& setting, bool is_tty);

// The first five fields come first so callers can write Options{stdout, tty, color, v, &log}.
struct StatusPrinterOptions {
  std::FILE* out = stdout;  // the console
  bool tty = false;         // `out` is a terminal: keep a live status line on it
  bool color = false;
  int verbosity = 0;                        // see the top of this file
  RunLog* log = nullptr;                    // null = no log
  std::FILE* err = stderr;                  // warnings and errors
  int width = 0;                            // columns; 0 = ask the terminal on stdout (else 80)
  std::function<double()> clock = nullptr;  // monotonic seconds, for tests; null = steady_clock
  bool stream = false;                      // --stream: every output line, prefixed by its source
  // Under GitHub Actions: the failures as workflow commands after the summary (on `out`).
  std::optional<GithubAnnotationOptions> github = std::nullopt;
};

class StatusPrinter : public Status {
 public:
  using Options = StatusPrinterOptions;
  explicit StatusPrinter(Options options = {});

  void run_started(int files, int runners) override;
  void file_started(const std::string& runner, const std::string& path) override;
  void file_finished(const FileResult& result, int done, int total, int failed) override;
  void output(const std::string& source, std::string_view text) override;
  void event(Level level, const std::string& message) override;
  void run_finished(const RunResult& result) override;

  // Redraws the status line so elapsed and ETA move between events.
  void refresh() override;
  void eta(double seconds) override;
  void runner_placed(const std::string& runner, const std::string& node) override;
  void node_lost(const std::string& node) override;

 private:
  double now() const;
  double elapsed() const;
  int width() const;
  std::string paint(const char* sgr, const std::string& text) const;
  std::string console_text(std::string_view text) const;
  std::string status_line() const;
  std::string eta_text(int done, int total) const;
  std::string node_states() const;
  void clear_line();
  void draw_line();
  void print(const std::string& line);
  void print_err(const std::string& line);
  void write(std::FILE* stream, std::string_view text);
  void print_file_line(const FileResult& result, int done, int total);
  void print_report(const RunResult& result);

  Options options_;
  std::FILE* out_;
  std::FILE* err_;
  std::mutex mu_;  // refresh() may come from a timer thread in a future transport
  double start_ = 0;
  std::vector<std::string> nodes_;                 // in the order runners were placed
  std::map<std::string, std::string> node_of_;     // runner -> node
  std::set<std::string> lost_;
  int done_ = 0;
  double eta_ = -1;  // the engine's estimate; < 0: none, guess from the file count
  int total_ = 0;
  int failed_ = 0;
  int last_tenth_ = 0;  // the last tenth of the run that got a progress line
  std::map<std::string, std::string> running_;  // runner -> the file it runs
  std::string last_runner_;                     // the runner that started a file last
  bool line_shown_ = false;
  LineSplitter console_output_;
};

}  // namespace dt
