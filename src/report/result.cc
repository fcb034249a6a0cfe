#include "report/result.h"

#include <algorithm>

namespace dt {

const char* to_string(FileStatus status) {
  switch (status) {
    case FileStatus::kPassed:
      return "passed";
    case FileStatus::kFailed:
      return "failed";
    case FileStatus::kError:
      return "error";
    case FileStatus::kTimeout:
      return "timeout";
    case FileStatus::kNotRun:
      return "not run";
  }
  return "unknown";  // only for a value cast from an out-of-range integer
}

void summarize(RunResult& result, int runner_count) {
  RunSummary& s = result.summary;
  double wall = s.wall_seconds;  // the caller's, kept across a re-summarize
  s = RunSummary{};
  s.wall_seconds = wall;

  double longest = 0;
  double total = 0;
  for (const FileResult& f : result.files) {
    s.examples += f.examples;
    s.failures += f.failures;
    s.pending += f.pending;
    if (f.status == FileStatus::kNotRun) {
      ++s.not_run;
      continue;
    }
    ++s.files;
    if (f.flaky) ++s.flaky;
    if (f.status == FileStatus::kError || f.status == FileStatus::kTimeout) ++s.errors;
    longest = std::max(longest, f.duration_seconds);
    total += f.duration_seconds;
  }
  // No schedule beats the longest file, nor perfect packing of all the work onto the runners.
  s.lower_bound_seconds = std::max(longest, total / std::max(runner_count, 1));
}

}  // namespace dt
