// The results of a run, as every report sees them. Plain data: no I/O, no heavy includes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/boxed.h"
#include "util/interned.h"

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
  std::string id = {};      // what a part's selection names it by; empty: never split
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

// A part's example ids. Most work items are whole files, with none: a fleet's million plans,
// work items and results hold 8 bytes for the list, not a vector's 24.
using IdList = BoxedVector<std::string>;

// Which of a file's examples one work item runs: the whole file, or one part of it (docs/protocol.md:
// `only` the listed example ids, or all `except` them; a split file's parts are disjoint and
// their last part is the `except` one, so every example runs once, new ones included).
struct Selection {
  enum class Kind { kWhole, kOnly, kExcept };
  Kind kind = Kind::kWhole;
  IdList ids;
  int part = 0;   // 1..parts; 0 for a whole file
  int parts = 0;
  bool whole() const { return kind == Kind::kWhole; }
  bool operator==(const Selection&) const = default;
};

// One item a runner ran, in the order run: a file, or a part of one.
struct WorkItem {
  std::string path;
  Selection selection = {};
  bool operator==(const WorkItem&) const = default;
};

struct FileDetails;

struct FileResult {
  std::string path;          // relative to the project root, as dispatched
  Selection selection;       // the part this result answers; whole for a file or a merged file
  FileStatus status = FileStatus::kNotRun;
  double duration_seconds = 0;
  double started_seconds = 0;  // since the run started, for timelines
  Interned node;             // 8 bytes where a string is 32: each of a million results has them
  Interned runner;           // runner id, e.g. "devbox_local_3"
  int attempts = 0;
  bool flaky = false;        // failed, then passed on a rerun (--retry)
  int examples = 0;
  int failures = 0;
  int pending = 0;
  int errors = 0;            // errors outside examples (load errors, crashes)

  // What a plain pass has none of (FileDetails). Read through the const forms wherever the
  // result may be a plain pass: the others make the details on first use.
  const std::vector<CaseResult>& cases() const;
  std::vector<CaseResult>& cases();
  const std::string& output() const;
  std::string& output();
  const std::string& error() const;
  std::string& error();
  const std::vector<AttemptResult>& earlier_attempts() const;
  std::vector<AttemptResult>& earlier_attempts();
  const std::vector<FileResult>& parts() const;
  std::vector<FileResult>& parts();
  // Sets the output, making the details only when there is some; "" frees it.
  void set_output(std::string text);

  Boxed<FileDetails> details;
};

// The part of a file's result that most results lack: behind one pointer in FileResult, so that
// a fleet's million plain passes cost 200 bytes each rather than 320.
struct FileDetails {
  std::vector<CaseResult> cases;
  std::string output;        // the file's captured stdout+stderr, as the terminal would show it
  std::string error;         // why an error/timeout happened, in words
  std::vector<AttemptResult> earlier_attempts;  // the tries before the one reported, in order
  // A file that ran as parts, merged back into one (merge_parts): each part's own result, in
  // part order, with its status, counts, node, runner and times; its cases and output are the
  // file's, in part order.
  std::vector<FileResult> parts;
};

inline const FileDetails& no_details() {
  static const FileDetails kNone;
  return kNone;
}
inline const std::vector<CaseResult>& FileResult::cases() const {
  return details.get() ? details.get()->cases : no_details().cases;
}
inline std::vector<CaseResult>& FileResult::cases() { return details.make().cases; }
inline const std::string& FileResult::output() const {
  return details.get() ? details.get()->output : no_details().output;
}
inline std::string& FileResult::output() { return details.make().output; }
inline const std::string& FileResult::error() const {
  return details.get() ? details.get()->error : no_details().error;
}
inline std::string& FileResult::error() { return details.make().error; }
inline const std::vector<AttemptResult>& FileResult::earlier_attempts() const {
  return details.get() ? details.get()->earlier_attempts : no_details().earlier_attempts;
}
inline std::vector<AttemptResult>& FileResult::earlier_attempts() {
  return details.make().earlier_attempts;
}
inline const std::vector<FileResult>& FileResult::parts() const {
  return details.get() ? details.get()->parts : no_details().parts;
}
inline std::vector<FileResult>& FileResult::parts() { return details.make().parts; }
inline void FileResult::set_output(std::string text) {
  if (!text.empty()) {
    details.make().output = std::move(text);
  } else if (details.get()) {
    std::string().swap(details.make().output);  // frees it, as assigning "" would not
  }
}

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
  std::vector<WorkItem> work;      // in the order run
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
  int split_files = 0;     // files that ran as parts (merged: FileResult::parts)
  int parts = 0;           // the parts of those files
};

// A file that ran fewer examples than it did in the last run: on a node, a compiled extension
// or a gitignored fixture can be missing, and the run would otherwise say nothing.
struct SuiteDrift {
  std::string path;
  int examples = 0;       // this run
  int last_examples = 0;  // the last run that ran it
  std::string nodes;      // where this run's parts ran, ", "-separated
};

// What [artifacts] brought back from one node after its runners ended.
struct ArtifactFetch {
  std::string node;
  std::string dir;    // where they are here: <project>/.distributest/artifacts/<node>
  int files = 0;      // regular files brought back
  std::string error;  // empty when the node's files all came back
};

struct RunResult {
  // One per dispatched work item, in completion order; one per file after merge_parts.
  std::vector<FileResult> files;
  std::vector<RunnerResult> runners;
  std::vector<NodeResult> nodes;
  RunSummary summary;
  bool interrupted = false;
  bool fail_fast_triggered = false;
  std::vector<SuiteDrift> drift;
  std::vector<ArtifactFetch> artifacts;
};

// Fills result.summary from result.files; wall_seconds is the caller's to set.
void summarize(RunResult& result, int runner_count);

// Folds the results of a file's parts into one result per file, at the place of its first part
// to finish: counts summed (errors outside examples are the file's: the largest part's count,
// as a load error repeats in every part), status the worst, cases and output in part order,
// started at its first part, duration = the parts' summed runner time. Whole files are left as
// they are. Idempotent.
void merge_parts(RunResult& result);

// The warning for a file that ran fewer examples than last time, in every report alike.
std::string describe_drift(const SuiteDrift& drift);

// "spec/a_spec.rb" or "spec/a_spec.rb (part 2/3)": how a person is shown a work item.
std::string work_label(const std::string& path, const Selection& selection);

// "--- spec/a_spec.rb (part 2/3) (node, runner)\n": what merge_parts puts before a part's
// output in its file's output, so a reader of the output knows where each part ran.
std::string part_output_header(const FileResult& part);

// A merged file's output from part `index`'s header (included) to the next part's header: what
// that part printed. Empty when the part printed nothing, or for a whole file.
std::string_view part_output(const FileResult& file, std::size_t index);

// The part of a merged file that ran `c`, by its example id: the `only` part naming it, else
// the `except` part. Null for a whole file, or a case without an id.
const FileResult* part_of_case(const FileResult& file, const CaseResult& c);

}  // namespace dt
