// The timing store: a plain, versioned, line-oriented text file in the project
// (.distributest/timings by default) that teams can commit or cache in CI. It holds each file's
// smoothed duration, sorted by path so it diffs well, per-example durations of the files that
// may be split (split_slow_files), and the work items each runner ran in the last run (for
// replay and bisect). docs/timing-store.md describes the format (v2; v1 is still read).
#pragma once

#include <algorithm>
#include <boost/container/flat_map.hpp>
#include <map>
#include <string>
#include <vector>

#include "report/result.h"

namespace dt {

struct ExampleTiming {
  std::string id;       // as the adapter reports it (cases[].id)
  double seconds = 0;   // the last measurement
};

struct FileTiming {
  double seconds = 0;  // exponentially smoothed over runs
  int runs = 0;
  int examples = -1;   // examples it ran the last time it ran completely; -1 = unknown
  // What one work item of this file costs beyond its examples (loading the file, its module
  // set-up): the item's duration minus its examples', from the last run; a part pays it again.
  double setup_seconds = 0;
  // Kept only for files that may be worth splitting (kMinSplitSeconds or more, or split last
  // time), in the order last run; empty when the adapter reports no ids.
  BoxedVector<ExampleTiming> example_timings;
};

// Each file's history, sorted by path in one array: the planner walks a million of them in
// order, and a tree would be a node (and a cache miss) for each.
using FileTimings = boost::container::flat_map<std::string, FileTiming, std::less<>>;

// Files faster than this are never split, so their examples are not kept either: cutting one
// could not shorten a run by more than this, and a part pays the file's set-up again.
inline constexpr double kMinSplitSeconds = 0.5;
// The most per-example entries a store keeps; past it, those of the fastest files go first.
inline constexpr std::size_t kMaxExampleTimings = 100000;

class TimingStore {
 public:
  // Loads `path`. A missing file is an empty store. A corrupt or old-format file leaves the
  // store empty and sets `warning` (the caller prints it); it is rebuilt on the next save.
  static TimingStore load(const std::string& path, std::string* warning);

  const FileTiming* find(const std::string& file) const;
  const FileTimings& timings() const { return timings_; }

  // Folds one measured duration in. Files recorded in path order are appended; others are
  // inserted where they belong (a move of the array's tail each: record_run merges instead).
  void record(const std::string& file, double seconds);
  // Room for `files` entries, for a store about to be built from that many.
  void reserve(std::size_t files) { timings_.reserve(files); }
  // Folds a run in (its files merged: merge_parts): each file's duration (the sum of its parts'),
  // and for a file that ran completely (no part errored, timed out or was left unrun) its
  // example count, set-up cost and, when it qualifies, its examples' durations; then the
  // work items each runner ran, as the last run. Files that errored or did not run keep their
  // history.
  void record_run(const RunResult& result);
  // Drops files that no longer exist (`exists` says which do).
  template <typename Pred>
  void prune(Pred exists) {
    auto entries = timings_.extract_sequence();
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const auto& entry) { return !exists(entry.first); }),
                  entries.end());
    timings_.adopt_sequence(boost::container::ordered_unique_range, std::move(entries));
  }

  void set_last_run(std::map<std::string, std::vector<WorkItem>> order_by_runner) {
    last_run_ = std::move(order_by_runner);
  }
  const std::map<std::string, std::vector<WorkItem>>& last_run() const { return last_run_; }

  // Writes atomically (temp file + rename). Returns an error in words, or "" on success.
  std::string save(const std::string& path) const;

  std::string serialize() const;
  // Returns "" on success, else why the text is not a valid store.
  std::string parse(const std::string& text);

 private:
  void bound_example_timings();
  // `entries`: sorted by path, none of them in the store yet.
  void merge_in(std::vector<std::pair<std::string, FileTiming>> entries);

  FileTimings timings_;
  std::map<std::string, std::vector<WorkItem>> last_run_;
};

// The files of `result` (merged) that ran completely but ran fewer examples than the store says
// they ran the last time: a node may lack what a test needs (a compiled extension, a gitignored
// fixture) and skip it silently.
std::vector<SuiteDrift> find_suite_drift(const TimingStore& store, const RunResult& result);

}  // namespace dt
