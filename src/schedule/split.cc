// Cutting the files that bound a run into parts (issue 11). The planner knows each file's
// smoothed duration, the cost of loading it once more (its set-up), and, for slow files, each
// example's duration. A file whose expected time is more than an even share of the run is cut
// into k parts of about equal time when that lowers the makespan that greedy scheduling of the
// whole queue predicts, counting the set-up every extra part pays.
#include <algorithm>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include "report/text_util.h"
#include "schedule/plan.h"
#include "schedule/timing_store.h"

namespace dt {
namespace {

// More parts than this buys little (each pays the set-up) and makes long lines and records.
constexpr int kMaxParts = 32;
// A split must win at least this much of the predicted makespan: timings are noisy, and a
// part costs a load that history may underestimate.
constexpr double kMinGain = 0.03;

// The examples of `timing` packed into k bins of about equal time, longest first onto the
// least loaded bin (LPT). Each bin lists its example indexes in file order.
std::vector<std::vector<std::size_t>> pack(const FileTiming& timing, int k) {
  const std::vector<ExampleTiming>& examples = timing.example_timings;
  std::vector<std::size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return examples[a].seconds > examples[b].seconds;
  });
  std::vector<std::vector<std::size_t>> bins(static_cast<std::size_t>(k));
  std::vector<double> load(bins.size(), 0);
  for (std::size_t i : order) {
    std::size_t least = static_cast<std::size_t>(
        std::min_element(load.begin(), load.end()) - load.begin());
    bins[least].push_back(i);
    load[least] += examples[i].seconds;
  }
  for (auto& bin : bins) std::sort(bin.begin(), bin.end());
  std::erase_if(bins, [](const auto& bin) { return bin.empty(); });
  return bins;
}

// The parts of `file` in k bins. Parts 1..k-1 run `only` their examples; the last (the least
// loaded bin, so examples added since the last run have room) runs all `except` theirs, so
// every example the file has today runs exactly once.
std::vector<PlannedFile> cut(const PlannedFile& file, const FileTiming& timing, int k) {
  std::vector<std::vector<std::size_t>> bins = pack(timing, k);
  const std::vector<ExampleTiming>& examples = timing.example_timings;
  double measured = 0;
  for (const ExampleTiming& e : examples) measured += e.seconds;
  // The examples' share of the file's expected time, spread as their measured times are.
  double examples_expected = std::max(0.0, file.expected_seconds - timing.setup_seconds);
  double scale = measured > 0 ? examples_expected / measured : 0;
  std::vector<double> bin_seconds;
  for (const auto& bin : bins) {
    double sum = 0;
    for (std::size_t i : bin) sum += examples[i].seconds;
    bin_seconds.push_back(sum);
  }
  std::size_t rest = static_cast<std::size_t>(
      std::min_element(bin_seconds.begin(), bin_seconds.end()) - bin_seconds.begin());
  std::swap(bins[rest], bins.back());
  std::swap(bin_seconds[rest], bin_seconds.back());

  std::vector<PlannedFile> parts;
  int n = static_cast<int>(bins.size());
  Selection except{Selection::Kind::kExcept, {}, n, n};
  for (int p = 0; p < n; ++p) {
    PlannedFile part = file;
    part.expected_seconds = timing.setup_seconds + bin_seconds[static_cast<std::size_t>(p)] * scale;
    if (p + 1 < n) {
      part.selection = Selection{Selection::Kind::kOnly, {}, p + 1, n};
      for (std::size_t i : bins[static_cast<std::size_t>(p)]) {
        part.selection.ids.push_back(examples[i].id);
        except.ids.push_back(examples[i].id);
      }
    } else {
      part.selection = std::move(except);
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

void longest_first(std::vector<PlannedFile>& items) {
  std::stable_sort(items.begin(), items.end(), [](const PlannedFile& a, const PlannedFile& b) {
    return a.expected_seconds > b.expected_seconds;
  });
}

bool may_split(const PlannedFile& file, const FileTiming* timing) {
  return timing && file.selection.whole() && !file.fresh_session &&
         timing->example_timings.size() >= 2 && timing->seconds >= kMinSplitSeconds &&
         // A part's line is JSON: a path that is not UTF-8 could not be matched back.
         sanitize_utf8(file.path) == file.path;
}

}  // namespace

std::vector<PlannedFile> split_slow_files(std::vector<PlannedFile> files, const TimingStore& store,
                                          int runners) {
  longest_first(files);
  if (runners < 2) return files;
  double current = predicted_makespan(files, runners);
  // Longest first: the file that bounds the run is the one worth cutting; once one is not
  // longer than an even share, neither is any after it.
  for (std::size_t f = 0; f < files.size(); ++f) {
    const PlannedFile file = files[f];
    const FileTiming* timing = store.find(file.path);
    if (!may_split(file, timing)) continue;
    double total = 0;
    for (const PlannedFile& item : files) total += item.expected_seconds;
    if (file.expected_seconds <= total / runners) break;
    int most = std::min<int>({runners, kMaxParts, static_cast<int>(timing->example_timings.size())});
    std::vector<PlannedFile> best;
    double best_makespan = current;
    int worse = 0;  // past the best k, more parts only add set-ups: stop after a few
    for (int k = 2; k <= most && worse < 3; ++k) {
      std::vector<PlannedFile> trial;
      trial.reserve(files.size() + static_cast<std::size_t>(k));
      for (std::size_t i = 0; i < files.size(); ++i) {
        if (i != f) trial.push_back(files[i]);
      }
      for (PlannedFile& part : cut(file, *timing, k)) trial.push_back(std::move(part));
      longest_first(trial);
      double makespan = predicted_makespan(trial, runners);
      if (makespan < best_makespan) {
        best_makespan = makespan;
        best = std::move(trial);
        worse = 0;
      } else {
        ++worse;
      }
    }
    if (best.empty() || best_makespan > current * (1 - kMinGain)) continue;
    files = std::move(best);
    current = best_makespan;
    f = static_cast<std::size_t>(-1);  // the order changed: look again from the longest
  }
  return files;
}

}  // namespace dt
