#include "schedule/runner_state.h"

#include <string.h>

#include <cstdio>

#include "report/text_util.h"

namespace dt {

namespace {
constexpr std::string_view kDroppedNote = "[distributest: earlier output dropped; the run log has all of it]\n";
}

void append_bounded(std::string& buffer, std::string_view data, std::size_t limit) {
  buffer.append(data);
  if (buffer.size() <= limit) return;
  // Cut at a line start so the kept tail reads cleanly.
  std::size_t cut = buffer.size() - limit + kDroppedNote.size();
  std::size_t newline = buffer.find('\n', cut);
  if (newline != std::string::npos && newline - cut < 4096) cut = newline + 1;
  if (cut >= buffer.size()) cut = buffer.size();
  buffer.replace(0, cut, kDroppedNote);
}

std::string output_tail(std::string_view output) {
  std::string tail(tail_lines(output, 20));
  if (!tail.empty() && tail.back() == '\n') tail.pop_back();
  return tail;
}

std::string format_seconds(double seconds) {
  char buf[32];
  if (seconds == static_cast<long long>(seconds)) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(seconds));
  } else {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  }
  return buf;
}

std::string describe_exit(const TransportEvent& ev) {
  if (!ev.error.empty()) return ev.error;
  if (ev.signal != 0) {
    const char* name = sigabbrev_np(ev.signal);
    return "killed by signal " + std::to_string(ev.signal) +
           (name ? std::string(" (SIG") + name + ")" : std::string());
  }
  return "exited with status " + std::to_string(ev.exit_code);
}

bool exited_ok(const TransportEvent& ev) {
  return ev.error.empty() && ev.signal == 0 && ev.exit_code == 0;
}

std::string first_failed_case(const FileResult& result) {
  for (const CaseResult& c : result.cases()) {
    if (c.status != "failed" && c.status != "error") continue;
    return c.name + ": " + c.message.substr(0, c.message.find('\n'));
  }
  return "";
}

bool is_failure(FileStatus s) {
  return s == FileStatus::kFailed || s == FileStatus::kError || s == FileStatus::kTimeout;
}

}  // namespace dt
