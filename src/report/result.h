// The results of a run, as every report sees them. Plain data: no I/O, no heavy includes.
#pragma once

#include <string>
#include <vector>

namespace dt {

enum class FileStatus { kPassed, kFailed, kError, kTimeout, kNotRun };
const char* to_string(FileStatus status);

// One example (RSpec example, minitest/pytest test) as the framework reported it.
struct CaseResult {
  std::string name;
  std::string location;     // "path:line" when the framework knows it
  std::string status;       // "passed", "failed", "error", "pending"
  double duration_seconds = 0;
  std::string message;      // for failed/error
  std::string backtrace;    // for failed/error
};

// One try of a file that did not give its result: its runner died or its node was lost under it
// (the file was requeued), or it failed and --retry ran it again elsewhere.
struct AttemptResult {
  std::string node;
  std::string runner;
  double started_seconds = 0;   // since the run started
  double duration_seconds = 0;
  std::string outcome;          // "requeued" or "failed"
  std::string why;              // what happened, in words
};

struct FileResult {
  std::string path;          // relative to the project root, as dispatched
  FileStatus status = FileStatus::kNotRun;
  double duration_seconds = 0;
  double started_seconds = 0;  // since the run started, for timelines
  std::string node;
  std::string runner;        // runner id, e.g. "devbox_local_3"
  int attempts = 0;
  bool flaky = false;        // failed, then passed on a rerun (--retry)
  int examples = 0;
  int failures = 0;
  int pending = 0;
  int errors = 0;            // errors outside examples (load errors, crashes)
  std::vector<CaseResult> cases;
  std::string output;        // the file's captured stdout+stderr, as the terminal would show it
  std::string error;         // why an error/timeout happened, in words
  std::vector<AttemptResult> earlier_attempts;  // the tries before the one reported, in order
};

struct NodeResult {
  std::string name;
  std::string host;
  std::string status;        // "ok", "failed: ..." 
  std::string remote_dir;    // empty for the local node
  double lost_seconds = -1;  // when its connection broke, since the run started; < 0: not lost
};

// A runner process's end: from "no more work" to its exit (the framework's teardown).
struct TeardownSpan {
  double started_seconds = 0;   // since the run started
  double duration_seconds = 0;
};

struct RunnerResult {
  std::string id;
  std::string node;
  int index = 0;
  std::vector<std::string> files;  // in the order run
  std::string status;              // "ok" or why it was left out
  std::vector<TeardownSpan> teardowns{};  // one per process that ended in order
};

struct RunSummary {
  int files = 0;
  int examples = 0;
  int failures = 0;
  int pending = 0;
  int errors = 0;
  int not_run = 0;
  double wall_seconds = 0;
  double lower_bound_seconds = 0;
  int flaky = 0;           // files that failed, then passed on a rerun
};

struct RunResult {
  std::vector<FileResult> files;     // one per dispatched file, in completion order
  std::vector<RunnerResult> runners;
  std::vector<NodeResult> nodes;
  RunSummary summary;
  bool interrupted = false;
  bool fail_fast_triggered = false;
};

// Fills result.summary from result.files; wall_seconds is the caller's to set.
void summarize(RunResult& result, int runner_count);

}  // namespace dt
