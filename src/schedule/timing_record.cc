// Folding measurements into the timing store: each run's durations, example counts, set-up
// costs and per-example timings, and what a run's counts say against the last run (drift).
// The file format is timing_store.cc's.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "schedule/timing_store.h"

namespace dt {
namespace {

// The weight of the newest measurement. 0.5 follows a file that got slower within a couple of
// runs while one outlier (a cold cache, a loaded machine) only moves it half way.
constexpr double kAlpha = 0.5;

bool ran_completely(const FileResult& f) {
  auto complete = [](FileStatus status) {
    return status == FileStatus::kPassed || status == FileStatus::kFailed;
  };
  if (!complete(f.status)) return false;
  return std::all_of(f.parts().begin(), f.parts().end(),
                     [&](const FileResult& p) { return complete(p.status); });
}

// What one work item of `f` costs beyond its examples: its duration minus theirs; for a file
// that ran as parts (its duration is theirs summed), an average part's.
double measured_setup(const FileResult& f) {
  double examples = 0;
  for (const CaseResult& c : f.cases()) examples += c.duration_seconds;
  double items = f.parts().empty() ? 1.0 : static_cast<double>(f.parts().size());
  return std::max(0.0, f.duration_seconds - examples) / items;
}

// A broken clock or runner must not poison the history for every later run.
bool usable(double seconds) { return std::isfinite(seconds); }

// One measured duration folded into a file's history (`first`: it has none yet).
void fold_duration(FileTiming& timing, double seconds, bool first) {
  seconds = std::max(0.0, seconds);
  timing.seconds = first ? seconds : (1 - kAlpha) * timing.seconds + kAlpha * seconds;
  ++timing.runs;
}

// What a file that ran completely says beyond its duration: its examples, set-up and, when it
// may be split, its examples' durations.
void fold_complete_run(FileTiming& timing, const FileResult& f) {
  timing.examples = f.examples;
  timing.setup_seconds = measured_setup(f);
  timing.example_timings.clear();
  bool ids = !f.cases().empty() && std::all_of(f.cases().begin(), f.cases().end(),
                                             [](const CaseResult& c) { return !c.id.empty(); });
  if (!ids || (timing.seconds < kMinSplitSeconds && f.parts().empty())) return;
  for (const CaseResult& c : f.cases()) {
    timing.example_timings.push_back(ExampleTiming{c.id, std::max(0.0, c.duration_seconds)});
  }
}

void fold_result(FileTiming& timing, const FileResult& f, bool first) {
  fold_duration(timing, f.duration_seconds, first);
  if (ran_completely(f)) fold_complete_run(timing, f);
}

}  // namespace

void TimingStore::record(const std::string& file, double seconds) {
  if (!usable(seconds) || file.empty()) return;
  // A store being built from sorted files gets each after the last: with the end as the hint
  // that costs no search (and one comparison more when it is not so).
  std::size_t before = timings_.size();
  auto it = timings_.try_emplace(timings_.end(), file);
  fold_duration(it->second, seconds, timings_.size() != before);
}

void TimingStore::record_run(const RunResult& result) {
  // Files the store does not know yet are gathered and merged in at once: inserted one by one
  // where they belong, a first run of a million files would move the array a million times.
  std::vector<const FileResult*> added;
  for (const FileResult& f : result.files) {
    if (f.status == FileStatus::kNotRun || f.status == FileStatus::kError) continue;
    if (!usable(f.duration_seconds) || f.path.empty()) continue;
    auto it = timings_.find(f.path);
    if (it == timings_.end()) {
      added.push_back(&f);
    } else {
      fold_result(it->second, f, false);
    }
  }
  std::stable_sort(added.begin(), added.end(),
                   [](const FileResult* a, const FileResult* b) { return a->path < b->path; });
  std::vector<std::pair<std::string, FileTiming>> entries;
  entries.reserve(added.size());
  for (const FileResult* f : added) {
    bool again = !entries.empty() && entries.back().first == f->path;  // a path twice
    if (!again) entries.emplace_back(f->path, FileTiming{});
    fold_result(entries.back().second, *f, !again);
  }
  merge_in(std::move(entries));
  bound_example_timings();
  std::map<std::string, std::vector<WorkItem>> order;
  for (const RunnerResult& r : result.runners) order[r.id] = r.work;
  last_run_ = std::move(order);
}

// Merged from the back, where the array grew: what sorts before the first new path is not
// moved. (Boost 1.74's ordered insert copies every entry, and drops those given by move.)
void TimingStore::merge_in(std::vector<std::pair<std::string, FileTiming>> entries) {
  if (entries.empty()) return;
  auto all = timings_.extract_sequence();
  std::size_t old = all.size();
  all.resize(old + entries.size());
  std::size_t to = all.size();
  std::size_t from_old = old;
  for (std::size_t from_new = entries.size(); from_new > 0;) {
    if (from_old > 0 && entries[from_new - 1].first < all[from_old - 1].first) {
      all[--to] = std::move(all[--from_old]);
    } else {
      all[--to] = std::move(entries[--from_new]);
    }
  }
  timings_.adopt_sequence(boost::container::ordered_unique_range, std::move(all));
}

void TimingStore::bound_example_timings() {
  std::size_t kept = 0;
  std::vector<FileTiming*> by_duration;
  for (auto& [path, timing] : timings_) {
    if (!timing.example_timings.empty()) by_duration.push_back(&timing);
  }
  std::sort(by_duration.begin(), by_duration.end(),
            [](const FileTiming* a, const FileTiming* b) { return a->seconds > b->seconds; });
  for (FileTiming* timing : by_duration) {
    if (kept + timing->example_timings.size() > kMaxExampleTimings) {
      timing->example_timings.clear();
    } else {
      kept += timing->example_timings.size();
    }
  }
}

std::vector<SuiteDrift> find_suite_drift(const TimingStore& store, const RunResult& result) {
  std::vector<SuiteDrift> drift;
  for (const FileResult& f : result.files) {
    const FileTiming* timing = store.find(f.path);
    if (!timing || timing->examples < 0 || !ran_completely(f)) continue;
    int examples = f.examples;
    if (examples >= timing->examples) continue;
    SuiteDrift d{f.path, examples, timing->examples, f.node};
    std::set<std::string> seen{f.node};
    for (const FileResult& part : f.parts()) {
      if (seen.insert(part.node).second) d.nodes += ", " + part.node;
    }
    drift.push_back(std::move(d));
  }
  std::sort(drift.begin(), drift.end(),
            [](const SuiteDrift& a, const SuiteDrift& b) { return a.path < b.path; });
  return drift;
}

}  // namespace dt
