#include "report/status_printer.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "report/final_report.h"
#include "report/run_log.h"
#include "report/text_util.h"

namespace dt {

namespace {

constexpr const char* kRed = "31";
constexpr const char* kGreen = "32";

std::string printf_string(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace

bool want_color(const std::string& setting, bool is_tty) {
  if (setting == "always") return true;
  if (setting == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return is_tty;
}

StatusPrinter::StatusPrinter(Options options)
    : options_(std::move(options)),
      out_(options_.out ? options_.out : stdout),
      err_(options_.err ? options_.err : stderr) {
  start_ = now();
}

double StatusPrinter::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double StatusPrinter::elapsed() const { return now() - start_; }

int StatusPrinter::width() const {
  if (options_.width > 0) return options_.width;
  winsize size{};
  // Asked at every redraw, so a resized window is honoured at once.
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

std::string StatusPrinter::paint(const char* sgr, const std::string& text) const {
  if (!options_.color) return text;
  return std::string("\x1b[") + sgr + "m" + text + "\x1b[0m";
}

// Test output as the console gets it: valid UTF-8, and escapes only where colour is wanted.
std::string StatusPrinter::console_text(std::string_view text) const {
  return options_.color ? sanitize_utf8(text) : sanitize_utf8(strip_ansi(text));
}

void StatusPrinter::eta(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  eta_ = seconds;
}

// The engine's estimate from history when it has one; else the files left at the rate so far,
// which runs high early because the slowest files go first.
std::string StatusPrinter::eta_text(int done, int total) const {
  if (eta_ >= 0) return format_duration(eta_, false);
  if (done == 0) return "?";
  return format_duration(elapsed() * (total - done) / done, false);
}

std::string StatusPrinter::status_line() const {
  std::string progress = "[" + std::to_string(done_) + "/" + std::to_string(total_) + "] ";
  std::string failed = std::to_string(failed_) + " failed";
  std::string times = "  elapsed " + format_duration(elapsed(), false);
  if (done_ < total_) times += "  ETA " + eta_text(done_, total_);
  std::string runner = last_runner_;
  if (!running_.count(runner)) runner = running_.empty() ? "" : running_.begin()->first;

  std::size_t columns = static_cast<std::size_t>(width());
  times += node_states();
  std::string head = progress + failed + times;
  if (display_width(head) > columns) return elide_middle(head, columns);
  std::string tail;
  if (!runner.empty()) {
    std::string frame = "  (" + printable(runner) + ": )";
    std::size_t room = columns - display_width(head);
    // A path cut to a few characters says nothing; leave it out instead.
    if (room >= display_width(frame) + 8) {
      std::string path = elide_middle(printable(running_.at(runner)), room - display_width(frame));
      tail = "  (" + printable(runner) + ": " + path + ")";
    }
  }
  return progress + (failed_ > 0 ? paint(kRed, failed) : failed) + times + tail;
}

// fwrite, not fputs: test output may hold NUL bytes.
void StatusPrinter::write(std::FILE* stream, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stream);
}

void StatusPrinter::clear_line() {
  if (!line_shown_) return;
  write(out_, "\r\x1b[K");
  line_shown_ = false;
}

void StatusPrinter::draw_line() {
  if (!options_.tty || options_.verbosity < 0 || total_ == 0) return;
  write(out_, "\r" + status_line() + "\x1b[K");
  std::fflush(out_);
  line_shown_ = true;
}

// A whole line for the console, above the live status line when there is one.
void StatusPrinter::print(const std::string& line) {
  clear_line();
  write(out_, line + "\n");
  draw_line();
  std::fflush(out_);
}

void StatusPrinter::print_err(const std::string& line) {
  // stdout and stderr are usually the same terminal: the status line must go first.
  bool redraw = line_shown_;
  clear_line();
  std::fflush(out_);
  write(err_, line + "\n");
  std::fflush(err_);
  if (redraw) draw_line();
}

void StatusPrinter::run_started(int files, int runners) {
  std::lock_guard<std::mutex> lock(mu_);
  start_ = now();
  total_ = files;
  if (options_.log)
    options_.log->event(Level::kInfo, "run started: " + count_noun(files, "file", "files") + " on " +
                                          count_noun(runners, "runner", "runners"));
  draw_line();
}

void StatusPrinter::runner_placed(const std::string& runner, const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::find(nodes_.begin(), nodes_.end(), node) == nodes_.end()) nodes_.push_back(node);
  node_of_[runner] = node;
}

void StatusPrinter::node_lost(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  lost_.insert(node);
  draw_line();
}

// "  n1 2/2 busy  n2 lost  n3 0/2 busy" when the run spans nodes: who is working, who is gone.
std::string StatusPrinter::node_states() const {
  if (nodes_.size() < 2) return "";
  std::string out;
  for (const std::string& node : nodes_) {
    if (lost_.count(node)) {
      out += "  " + printable(node) + " lost";
      continue;
    }
    int busy = 0;
    int all = 0;
    for (const auto& [runner, where] : node_of_) {
      if (where != node) continue;
      ++all;
      busy += running_.count(runner) ? 1 : 0;
    }
    out += "  " + printable(node) + " " + std::to_string(busy) + "/" + std::to_string(all) + " busy";
  }
  return out;
}

void StatusPrinter::file_started(const std::string& runner, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  running_[runner] = path;
  last_runner_ = runner;
  if (options_.log) options_.log->event(Level::kInfo, "start " + path + " on " + runner);
  if (options_.verbosity >= 2)
    print("start " + printable(path) + "  (runner " + printable(runner) + ")");
  else
    draw_line();
}

void StatusPrinter::print_file_line(const FileResult& r, int done, int total) {
  std::string digits = std::to_string(total);
  char counter[64];
  std::snprintf(counter, sizeof counter, "[%*d/%s] ", static_cast<int>(digits.size()), done,
                digits.c_str());
  std::string duration = printf_string("%.2fs", r.duration_seconds);
  std::string word = to_string(r.status);
  word.resize(std::max<std::size_t>(word.size(), 7), ' ');
  if (r.status == FileStatus::kPassed)
    word = paint(kGreen, word);
  else if (r.status != FileStatus::kNotRun)
    word = paint(kRed, word);
  // Per work item, as it finishes: a part of a split file says which.
  std::string line = counter + word + " " + duration + "  " +
                     printable(work_label(r.path, r.selection)) + "  (runner " +
                     printable(r.runner.str());
  if (r.attempts > 1) line += ", attempt " + std::to_string(r.attempts);
  line += ")";
  if (!r.error().empty()) line += ": " + printable(first_line(r.error()));
  print(line);
}

void StatusPrinter::file_finished(const FileResult& r, int done, int total, int failed) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ = done;
  total_ = total;
  failed_ = failed;
  running_.erase(r.runner);
  if (options_.log) {
    // The file is over: its last unfinished output line belongs to it, not to the next file.
    options_.log->flush(r.runner);
    options_.log->event(Level::kInfo, std::string(to_string(r.status)) + " " +
                                          work_label(r.path, r.selection) + " " +
                                          printf_string("%.2fs", r.duration_seconds) + " on " +
                                          r.runner);
  }
  console_output_.flush(r.runner, [this](const std::string& source, std::string_view line) {
    print("[" + printable(source) + "] " + console_text(line));
  });

  bool passed = r.status == FileStatus::kPassed;
  if (options_.verbosity < 0) return;
  if (options_.verbosity >= 1 || (!options_.tty && !passed)) {
    print_file_line(r, done, total);
  } else if (!passed) {
    const char* word = r.status == FileStatus::kTimeout ? "TIMEOUT"
                       : r.status == FileStatus::kError ? "ERROR"
                                                        : "FAIL";
    std::string line =
        paint(kRed, word) + " " + printable(work_label(r.path, r.selection)) + " (" +
        printable(r.runner.str()) + ")";
    if (!r.error().empty()) line += ": " + printable(first_line(r.error()));
    print(line);
  } else {
    draw_line();
  }

  if (!options_.tty && options_.verbosity == 0 && total > 0 && done < total) {
    int tenth = done * 10 / total;
    if (tenth > last_tenth_) {
      last_tenth_ = tenth;
      std::string line = printf_string("[%.0f", 100.0 * done / total) + "%] " +
                         std::to_string(done) + "/" + std::to_string(total) + " files, " +
                         std::to_string(failed) + " failed, elapsed " +
                         format_duration(elapsed(), false) + ", ETA " + eta_text(done, total);
      print(line);
    }
  }
}

void StatusPrinter::output(const std::string& source, std::string_view text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.log) options_.log->line(source, text);
  if (options_.verbosity < 2 && !options_.stream) return;
  console_output_.feed(source, text, [this](const std::string& src, std::string_view line) {
    print("[" + printable(src) + "] " + console_text(line));
  });
}

void StatusPrinter::event(Level level, const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.log) options_.log->event(level, message);
  std::string text = sanitize_utf8(message);
  if (level == Level::kError)
    print_err("distributest: error: " + text);
  else if (level == Level::kWarning)
    print_err("distributest: warning: " + text);
  else if (options_.verbosity >= 1)
    print_err("distributest: " + text);
}

void StatusPrinter::refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  if (line_shown_) draw_line();
}

void StatusPrinter::run_finished(const RunResult& result) {
  std::lock_guard<std::mutex> lock(mu_);
  clear_line();
  console_output_.flush_all([this](const std::string& source, std::string_view line) {
    print("[" + printable(source) + "] " + console_text(line));
  });
  total_ = 0;  // no status line from here on
  print_report(result);
  if (options_.github) write(out_, github_annotations(result, *options_.github));
  std::fflush(out_);
  if (options_.log) options_.log->flush();
}

// The report is built apart (final_report.h); the log's path is the caller's to print: it
// knows whether the log was wanted at all.
void StatusPrinter::print_report(const RunResult& result) {
  FinalReport report = final_report(result, {options_.color, elapsed()});
  write(out_, report.text);
  if (options_.log) options_.log->event(Level::kInfo, report.log_line);
}

}  // namespace dt
