#include "report/final_report.h"

#include <cstdio>
#include <string_view>

#include "report/text_util.h"

namespace dt {

namespace {

constexpr const char* kRed = "31";
constexpr const char* kGreen = "32";
constexpr const char* kYellow = "33";
constexpr const char* kBold = "1";
constexpr std::size_t kBacktraceLines = 10;
constexpr std::size_t kOutputTailLines = 20;

bool is_failure(const CaseResult& c) { return c.status == "failed" || c.status == "error"; }

// Who ran what a failure's heading is about: "  (runner r1)"; for a case of a split file the
// part that ran it, " (part 2/3)  (runner r2)"; for a split file as a whole, its parts (their
// output headers and errors name their runners).
std::string ran_by(const FileResult& f, const CaseResult* c) {
  const FileResult* part = c ? part_of_case(f, *c) : nullptr;
  if (part) {
    return work_label("", part->selection) + "  (runner " + printable(part->runner.str()) + ")";
  }
  if (!f.parts().empty()) return "  (split into " + std::to_string(f.parts().size()) + " parts)";
  return "  (runner " + printable(f.runner.str()) + ")";
}

// Builds the report line by line; the numbering of failures runs across its sections.
class ReportWriter {
 public:
  explicit ReportWriter(const FinalReportStyle& style) : style_(style) {}

  FinalReport write(const RunResult& result) {
    for (const FileResult& f : result.files) failures(f);
    errors(result);
    flaky(result);
    std::string log_line = totals(result);
    return {std::move(text_), std::move(log_line)};
  }

 private:
  void line(const std::string& text) { text_ += text + "\n"; }

  std::string paint(const char* sgr, const std::string& text) const {
    if (!style_.color) return text;
    return std::string("\x1b[") + sgr + "m" + text + "\x1b[0m";
  }

  // Test output as the console gets it: valid UTF-8, and escapes only where colour is wanted.
  std::string console_text(std::string_view text) const {
    return style_.color ? sanitize_utf8(text) : sanitize_utf8(strip_ansi(text));
  }

  void indented(std::string_view text, const std::string& prefix) {
    std::string body = console_text(text);
    std::string_view rest = body;
    while (!rest.empty()) {
      std::size_t nl = rest.find('\n');
      line(prefix + std::string(rest.substr(0, nl)));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
  }

  // The end of a file's output; for a split file, of each part's that did not pass, under the
  // header naming it: the last 20 lines of the whole would show only the last part.
  void output_tail(const FileResult& f) {
    if (f.parts().empty()) {
      indented(tail_lines(f.output(), kOutputTailLines), "     | ");
      return;
    }
    for (std::size_t i = 0; i < f.parts().size(); ++i) {
      if (f.parts()[i].status == FileStatus::kPassed) continue;
      std::string_view section = part_output(f, i);
      if (section.empty()) continue;
      std::size_t nl = section.find('\n');
      indented(section.substr(0, nl), "     | ");
      indented(tail_lines(section.substr(nl + 1), kOutputTailLines), "     | ");
    }
  }

  void failure_heading(const std::string& title) {
    if (failures_ == 0) line("\n" + paint(kBold, "Failures:"));
    line("");
    line("  " + std::to_string(++failures_) + ") " + title);
  }

  void backtrace(std::string_view bt) {
    std::size_t lines = 0;
    for (std::string_view rest = bt; !rest.empty(); ++lines) {
      std::size_t nl = rest.find('\n');
      if (lines < kBacktraceLines)
        line(paint(kYellow, "     # " + console_text(rest.substr(0, nl))));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    if (lines > kBacktraceLines)
      line("     # (" + std::to_string(lines - kBacktraceLines) + " more lines)");
  }

  void failures(const FileResult& f) {
    // Failed examples count wherever they are: a file that crashed later is still an error.
    bool detailed = false;
    for (const CaseResult& c : f.cases()) {
      if (!is_failure(c)) continue;
      detailed = true;
      failure_heading(printable(c.name.empty() ? f.path : c.name));
      line(paint(kRed, "     " + printable(f.path) + ran_by(f, &c)));
      if (!c.location.empty()) line("     # " + printable(c.location));
      indented(c.message, "     ");
      backtrace(c.backtrace);
    }
    if (!detailed && f.status == FileStatus::kFailed) {
      // The framework gave no per-example details: the output's end is all there is.
      failure_heading(printable(f.path) + ran_by(f, nullptr) + ": failed, " +
                      count_noun(f.failures, "failure", "failures"));
      output_tail(f);
    }
  }

  void errors(const RunResult& result) {
    bool header = false;
    for (const FileResult& f : result.files) {
      if (f.status != FileStatus::kError && f.status != FileStatus::kTimeout) continue;
      if (!header) line("\n" + paint(kBold, "Errors:"));
      header = true;
      line("");
      line(paint(kRed, "  " + printable(f.path)) + ran_by(f, nullptr) + ": " + to_string(f.status) +
           (f.error().empty() ? "" : ": " + printable(first_line(f.error()))));
      std::size_t nl = f.error().find('\n');
      if (nl != std::string::npos) indented(std::string_view(f.error()).substr(nl + 1), "     ");
      if (!f.output().empty()) {
        line("     last lines of output:");
        output_tail(f);
      }
    }
  }

  void flaky(const RunResult& result) {
    bool header = false;
    for (const FileResult& f : result.files) {
      if (!f.flaky) continue;
      if (!header) line("\n" + paint(kBold, "Flaky (failed, then passed on a rerun):"));
      header = true;
      line(paint(kYellow, "  " + printable(f.path)) + "  (passed on " + printable(f.runner.str()) +
           ", attempt " + std::to_string(f.attempts) + "; " +
           printable(first_line(f.error())) + ")");
    }
  }

  // The closing lines; returns them, without colour, for the log.
  std::string totals(const RunResult& result) {
    const RunSummary& s = result.summary;
    std::string files = count_noun(s.files, "file", "files");
    if (s.split_files > 0) {
      // Not "split into": a replay may run one part of a file.
      files += " (" + std::to_string(s.split_files) +
               " run in parts: " + count_noun(s.parts, "part", "parts") + ")";
    }
    std::string totals = files + ", " + count_noun(s.examples, "example", "examples") + ", " +
                         count_noun(s.failures, "failure", "failures") + ", " +
                         std::to_string(s.pending) + " pending, " +
                         count_noun(s.errors, "error", "errors");
    if (s.not_run > 0) totals += ", " + std::to_string(s.not_run) + " not run";
    if (s.flaky > 0) totals += ", " + std::to_string(s.flaky) + " flaky";
    bool bad = s.failures > 0 || s.errors > 0 || result.interrupted || failures_ > 0;
    const char* colour = bad ? kRed : (s.pending > 0 || s.not_run > 0) ? kYellow : kGreen;
    line("");
    if (result.interrupted)
      line(paint(kYellow, "Interrupted."));
    else if (result.fail_fast_triggered)
      line(paint(kYellow, "Stopped early: fail-fast."));
    line(paint(colour, totals));

    double wall = s.wall_seconds > 0 ? s.wall_seconds : style_.elapsed_seconds;
    std::string finished = "Finished in " + format_duration(wall, true);
    if (s.lower_bound_seconds > 0) {
      char ratio[64];
      std::snprintf(ratio, sizeof ratio, "%.2fx", wall / s.lower_bound_seconds);
      finished += " (ideal " + format_duration(s.lower_bound_seconds, true) +
                  " = max(longest work item, total / runners); " + ratio + ")";
    }
    line(finished);
    return totals + "; " + finished;
  }

  FinalReportStyle style_;
  std::string text_;
  int failures_ = 0;  // numbered failures so far
};

}  // namespace

FinalReport final_report(const RunResult& result, const FinalReportStyle& style) {
  return ReportWriter(style).write(result);
}

}  // namespace dt
