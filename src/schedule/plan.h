// The plan of a run: which files, in which order, with what expected durations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report/result.h"

namespace dt {

class TimingStore;

struct PlannedFile {
  std::string path;          // relative to the project root
  std::uint64_t bytes = 0;       // read only when some file has no history; 0 otherwise
  double expected_seconds = 0;
  bool from_history = false; // false = estimated from the file's size
  // Runs in a runner process of its own (`session_per_file`): one that has run nothing else,
  // and is ended after it.
  bool fresh_session = false;
  // The examples this item runs: the whole file, or one part of it (split_slow_files).
  Selection selection = {};
};

// Expands FILE|DIR|GLOB arguments (or the default globs when `args` is empty) into the
// relative paths of the test files under `project_dir`, sorted and without duplicates.
// Relative arguments are relative to `project_dir`. A FILE is taken as named (exclude globs do
// not drop it); a DIR gives its files whose names match a default glob's last segment; a GLOB
// (with * ? [ and not an existing path) is matched against every file of the project.
// `**` matches any number of directories. Hidden directories (.git, .distributest, ...),
// node_modules, vendor/bundle, __pycache__ and virtualenvs (a directory with a pyvenv.cfg) are
// not searched, nor directory symlinks. Errors
// (an argument matching nothing, a path outside the project, a name with a newline) are
// returned in `error` (never null) as complete messages.
std::vector<std::string> discover_files(const std::string& project_dir,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& default_globs,
                                        const std::vector<std::string>& exclude_globs,
                                        std::string* error);

// Whether `path` (relative, '/'-separated) matches `glob` (fnmatch per segment, plus `**`).
// As in .gitignore, a glob without '/' matches the file name in any directory.
bool glob_match(const std::string& glob, const std::string& path);

// Orders files longest-expected-first. Expected duration: the store's smoothed duration; for a
// file with no history, its size times the known files' seconds per byte (or a fixed rate
// when nothing is known), so new slow files are not all left to the end.
std::vector<PlannedFile> plan_files(const std::string& project_dir,
                                    const std::vector<std::string>& files,
                                    const TimingStore& store);

// Cuts the files that bound the run into parts (Selection), when that lowers the makespan that
// greedy scheduling on `runners` predicts, counting the set-up each extra part pays; only
// files with per-example history (TimingStore) are cut. Returns the work items longest first.
std::vector<PlannedFile> split_slow_files(std::vector<PlannedFile> files, const TimingStore& store,
                                          int runners);

// Marks the files matching any of `globs` (config `session_per_file`) for a fresh session.
void mark_fresh_sessions(std::vector<PlannedFile>& files, const std::vector<std::string>& globs);

// The ideal makespan: max(longest work item, sum of durations / runners).
double lower_bound(const std::vector<double>& durations, int runners);
// What greedy list scheduling of `files` in order on `runners` runners predicts.
double predicted_makespan(const std::vector<PlannedFile>& files, int runners);

}  // namespace dt
