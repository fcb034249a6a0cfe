// The plan of a run: which files, in which order, with what expected durations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dt {

class TimingStore;

struct PlannedFile {
  std::string path;          // relative to the project root
  std::uint64_t bytes = 0;
  double expected_seconds = 0;
  bool from_history = false; // false = estimated from the file's size
};

// Expands FILE|DIR|GLOB arguments (or the default globs when `args` is empty) into the
// relative paths of the test files under `project_dir`, sorted and without duplicates.
// `**` matches any number of directories. Hidden directories, .git, node_modules and
// vendor/bundle are not searched. Errors (an argument matching nothing, a path outside the
// project, a name with a newline) are returned in `error` as complete messages.
std::vector<std::string> discover_files(const std::string& project_dir,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& default_globs,
                                        const std::vector<std::string>& exclude_globs,
                                        std::string* error);

// Whether `path` (relative, '/'-separated) matches `glob` (fnmatch per segment, plus `**`).
bool glob_match(const std::string& glob, const std::string& path);

// Orders files longest-expected-first. Expected duration: the store's smoothed duration; for a
// file with no history, its size times the known files' seconds per byte (or a fixed rate
// when nothing is known), so new slow files are not all left to the end.
std::vector<PlannedFile> plan_files(const std::string& project_dir,
                                    const std::vector<std::string>& files,
                                    const TimingStore& store);

// The ideal makespan: max(longest file, sum of durations / runners).
double lower_bound(const std::vector<double>& durations, int runners);
// What greedy list scheduling of `files` in order on `runners` runners predicts.
double predicted_makespan(const std::vector<PlannedFile>& files, int runners);

}  // namespace dt
