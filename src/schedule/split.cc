// Cutting the files that bound a run into parts (issue 11). The planner knows each file's
// smoothed duration, the cost of loading it once more (its set-up), and, for slow files, each
// example's duration. A file whose expected time is more than an even share of the run is cut
// into parts when that lowers the makespan that greedy scheduling of the whole queue predicts,
// counting the set-up every extra part pays. The candidates: k parts of about equal time, and
// parts sized to the gaps the other files leave on the runners.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <limits>
#include <numeric>
#include <queue>
#include <span>
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

// The examples of `timing` packed into bins of the given capacities (in the examples' measured
// seconds), longest first into the bin with the most room left: for equal capacities, longest
// first onto the least loaded bin (LPT). Each bin lists its example indexes in file order.
std::vector<std::vector<std::size_t>> pack(const FileTiming& timing,
                                           const std::vector<double>& capacities) {
  const std::vector<ExampleTiming>& examples = timing.example_timings.list();
  std::vector<std::size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return examples[a].seconds > examples[b].seconds;
  });
  std::vector<std::vector<std::size_t>> bins(capacities.size());
  std::vector<double> room = capacities;
  for (std::size_t i : order) {
    std::size_t most = static_cast<std::size_t>(std::max_element(room.begin(), room.end()) - room.begin());
    bins[most].push_back(i);
    room[most] -= examples[i].seconds;
  }
  for (auto& bin : bins) std::sort(bin.begin(), bin.end());
  std::erase_if(bins, [](const auto& bin) { return bin.empty(); });
  return bins;
}

// The examples' measured seconds and how they scale to the file's expected time without its
// set-up: a part's expected time is its set-up plus its examples' share of that.
double measured_seconds(const FileTiming& timing) {
  double measured = 0;
  for (const ExampleTiming& e : timing.example_timings) measured += e.seconds;
  return measured;
}

double examples_scale(const PlannedFile& file, const FileTiming& timing) {
  double measured = measured_seconds(timing);
  double examples_expected = std::max(0.0, file.expected_seconds - timing.setup_seconds);
  return measured > 0 ? examples_expected / measured : 0;
}

// The parts of `file` in `bins` (pack()). Parts 1..k-1 run `only` their examples; the last (the
// least loaded bin, so examples added since the last run have room) runs all `except` theirs, so
// every example the file has today runs exactly once.
std::vector<PlannedFile> cut(const PlannedFile& file, const FileTiming& timing,
                             std::vector<std::vector<std::size_t>> bins) {
  const std::vector<ExampleTiming>& examples = timing.example_timings.list();
  double scale = examples_scale(file, timing);
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

bool longer(const PlannedFile& a, const PlannedFile& b) {
  return a.expected_seconds > b.expected_seconds;
}

void longest_first(std::vector<PlannedFile>& items) {
  // Usually already so (plan_files sorts): a million items need not be moved to find out.
  if (std::is_sorted(items.begin(), items.end(), longer)) return;
  std::stable_sort(items.begin(), items.end(), longer);
}

// A trial's queue, longest first: its head (the files longer than an even share and the parts
// cut from them) merged with the tail (every other file, which no trial changes). A prediction
// depends on the durations alone, so how ties fall does not matter here.
class TrialQueue {
 public:
  TrialQueue(std::span<const PlannedFile> head, std::span<const PlannedFile> tail)
      : head_(head), tail_(tail) {}
  bool empty() const { return i_ == head_.size() && j_ == tail_.size(); }
  double next() const {
    return from_head() ? head_[i_].expected_seconds : tail_[j_].expected_seconds;
  }
  void pop() {
    if (from_head()) {
      ++i_;
    } else {
      ++j_;
    }
  }

 private:
  bool from_head() const {
    return j_ == tail_.size() ||
           (i_ < head_.size() && head_[i_].expected_seconds >= tail_[j_].expected_seconds);
  }
  std::span<const PlannedFile> head_;
  std::span<const PlannedFile> tail_;
  std::size_t i_ = 0;
  std::size_t j_ = 0;
};

// predicted_makespan() of `queue` (longest first, `total` seconds in all), or some value of at
// least `cutoff` when it would be that much: a trial that cannot win needs no exact figure. It
// stops as soon as the answer is known, so a trial of a million items costs a few steps where
// long items decide the makespan. Each item starts on the least loaded runner, at most the
// average load before it, so it ends by total / runners + its own length; once the longest
// runner so far ends later than that for the next (longest remaining) item, nothing after it can
// end later.
double bounded_makespan(TrialQueue queue, double total, int runners, double cutoff) {
  // The loads of the runners that have work; the others are at 0, and take the first items.
  std::priority_queue<double, std::vector<double>, std::greater<double>> loaded;
  int unloaded = runners;
  double average = total / runners;
  double makespan = 0;
  for (; !queue.empty(); queue.pop()) {
    double seconds = queue.next();
    if (makespan >= cutoff || makespan >= average + seconds) break;
    double start = 0;
    if (unloaded > 0) {
      --unloaded;
    } else {
      start = loaded.top();
      loaded.pop();
    }
    loaded.push(start + seconds);
    makespan = std::max(makespan, start + seconds);
  }
  return makespan;
}

// The loads greedy scheduling of `queue` (`total` seconds in all) leaves on `runners` runners,
// lowest first. Past the first items (enough to fill every runner many times over), the rest
// is poured onto the lowest loads as a fluid: short items at the end of a long queue fill the
// gaps that finely, and a million of them need not be placed one by one.
std::vector<double> greedy_loads(TrialQueue queue, double total, int runners) {
  std::priority_queue<double, std::vector<double>, std::greater<double>> heap(
      std::greater<double>(), std::vector<double>(static_cast<std::size_t>(runners), 0.0));
  const std::size_t discrete = 16 * static_cast<std::size_t>(runners) + 1000;
  double placed = 0;
  for (std::size_t n = 0; n < discrete && !queue.empty(); ++n, queue.pop()) {
    double load = heap.top();
    heap.pop();
    heap.push(load + queue.next());
    placed += queue.next();
  }
  std::vector<double> loads;
  loads.reserve(static_cast<std::size_t>(runners));
  for (; !heap.empty(); heap.pop()) loads.push_back(heap.top());
  double rest = queue.empty() ? 0 : std::max(0.0, total - placed);
  // The level h the rest fills the lowest m loads up to: sum of (h - load) = rest.
  double below = 0;
  for (std::size_t m = 1; rest > 0 && m <= loads.size(); ++m) {
    below += loads[m - 1];
    double level = (rest + below) / static_cast<double>(m);
    if (m == loads.size() || level <= loads[m]) {
      std::fill(loads.begin(), loads.begin() + static_cast<std::ptrdiff_t>(m), level);
      break;
    }
  }
  return loads;
}

// The sizes (expected seconds of examples, set-up not included) of parts that fill the lowest
// of `loads` (ascending) up to one level: each part starts where a runner's other work ends,
// pays `setup`, and all end together, where equal parts would leave the runners with less
// other work idle at the end. At most `most` parts; none when fewer than two would do.
std::vector<double> gap_sizes(const std::vector<double>& loads, double setup,
                              double examples_seconds, std::size_t most) {
  most = std::min(most, loads.size());
  double below = 0;
  for (std::size_t m = 1; m <= most; ++m) {
    below += loads[m - 1] + setup;
    double level = (examples_seconds + below) / static_cast<double>(m);
    if (m < most && level > loads[m] + setup) continue;
    if (m < 2) return {};
    std::vector<double> sizes;
    for (std::size_t i = 0; i < m; ++i) sizes.push_back(level - loads[i] - setup);
    return sizes;
  }
  return {};
}

double sum_seconds(std::span<const PlannedFile> items) {
  double total = 0;
  for (const PlannedFile& item : items) total += item.expected_seconds;
  return total;
}

// `head` (longest first) with the item at `f` replaced by `parts` (longest first), in the order a
// stable sort of the other items followed by the parts gives: a tie puts the part after.
std::vector<PlannedFile> with_parts(const std::vector<PlannedFile>& head, std::size_t f,
                                    const std::vector<PlannedFile>& parts) {
  std::vector<PlannedFile> out;
  out.reserve(head.size() - 1 + parts.size());
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (i != f) out.push_back(head[i]);
  }
  auto middle = static_cast<std::ptrdiff_t>(out.size());
  out.insert(out.end(), parts.begin(), parts.end());
  std::inplace_merge(out.begin() + static_cast<std::ptrdiff_t>(f), out.begin() + middle, out.end(),
                     longer);
  return out;
}

// `files` with its first `old_head` items replaced by `head`, merged with the rest (which stays
// in order) as a stable sort would: on a tie the file that was never cut comes first. One pass,
// where the list is: no second copy of a million items.
void merge_head(std::vector<PlannedFile>& files, std::size_t old_head,
                std::vector<PlannedFile> head) {
  std::size_t tail = files.size() - old_head;
  std::size_t size = head.size() + tail;
  if (size > files.capacity()) {
    // No room to grow in place (a caller that did not reserve, as dry_run's copy): resizing would
    // move every entry to a new vector and then merge them again; one merge into it instead.
    // std::merge keeps the first range's item on a tie: the file that was never cut.
    std::vector<PlannedFile> out;
    out.reserve(size);
    auto rest = files.begin() + static_cast<std::ptrdiff_t>(old_head);
    std::merge(std::make_move_iterator(rest), std::make_move_iterator(files.end()),
               std::make_move_iterator(head.begin()), std::make_move_iterator(head.end()),
               std::back_inserter(out), longer);
    files = std::move(out);
    return;
  }
  if (head.size() > old_head) {
    files.resize(size);
    std::move_backward(files.begin() + static_cast<std::ptrdiff_t>(old_head),
                       files.begin() + static_cast<std::ptrdiff_t>(old_head + tail), files.end());
  } else {
    std::move(files.begin() + static_cast<std::ptrdiff_t>(old_head), files.end(),
              files.begin() + static_cast<std::ptrdiff_t>(head.size()));
    files.resize(size);
  }
  // The tail now starts at head.size(); writing at i + j never passes reading at head.size() + j.
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < head.size()) {
    std::size_t from = head.size() + j;
    if (j < tail && !longer(head[i], files[from])) {
      if (i + j != from) files[i + j] = std::move(files[from]);
      ++j;
    } else {
      files[i + j] = std::move(head[i]);
      ++i;
    }
  }
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
  double total = sum_seconds(files);
  // Only files longer than an even share are ever cut, and the share only grows as parts add
  // set-ups: the trials change the head of the list alone, and the tail (a fleet's million
  // files) is merged back once at the end.
  std::size_t old_head = 0;
  while (old_head < files.size() && files[old_head].expected_seconds > total / runners) ++old_head;
  auto head_end = files.begin() + static_cast<std::ptrdiff_t>(old_head);
  std::vector<PlannedFile> head(files.begin(), head_end);
  std::span<const PlannedFile> tail(files.data() + old_head, files.size() - old_head);
  double current = bounded_makespan(TrialQueue(head, tail), total, runners,
                                    std::numeric_limits<double>::infinity());
  bool cut_any = false;
  // Longest first: the file that bounds the run is the one worth cutting; once one is not
  // longer than an even share, neither is any after it.
  for (std::size_t f = 0; f < head.size(); ++f) {
    if (head[f].expected_seconds <= total / runners) break;
    const PlannedFile file = head[f];
    const FileTiming* timing = store.find(file.path);
    if (!may_split(file, timing)) continue;
    int most = std::min<int>({runners, kMaxParts, static_cast<int>(timing->example_timings.size())});
    double longest_other = tail.empty() ? 0 : tail.front().expected_seconds;
    if (head.size() > 1) longest_other = std::max(longest_other, head[f == 0 ? 1 : 0].expected_seconds);
    std::vector<PlannedFile> best;
    double best_makespan = current;
    double best_total = total;
    // Runs the trial of cutting `file` into `bins`; true when it is the best so far.
    auto try_bins = [&](std::vector<std::vector<std::size_t>> bins) {
      if (bins.size() < 2) return false;
      std::vector<PlannedFile> parts = cut(file, *timing, std::move(bins));
      longest_first(parts);
      double trial_total = total - file.expected_seconds + sum_seconds(parts);
      // No schedule beats its longest item or perfect packing: a trial that cannot win is not run.
      double bound = std::max({longest_other, parts.front().expected_seconds, trial_total / runners});
      if (bound >= best_makespan) return false;
      std::vector<PlannedFile> trial = with_parts(head, f, parts);
      double makespan = bounded_makespan(TrialQueue(trial, tail), trial_total, runners, best_makespan);
      if (makespan >= best_makespan) return false;
      best_makespan = makespan;
      best = std::move(trial);
      best_total = trial_total;
      return true;
    };
    int worse = 0;  // past the best k, more parts only add set-ups: stop after a few
    for (int k = 2; k <= most && worse < 3; ++k) {
      worse = try_bins(pack(*timing, std::vector<double>(static_cast<std::size_t>(k), 1.0))) ? 0 : worse + 1;
    }
    // Parts sized to the gaps the other work leaves: when the other files are long, equal parts
    // end unevenly (on 6 runners, a 30 s file in 3 parts of 10 s beside 11 files of 2.5 s ends
    // at 10 s; parts that fill each runner to one level end at 9.8 s).
    double scale = examples_scale(file, *timing);
    if (scale > 0) {
      std::vector<PlannedFile> others(head.begin(), head.end());
      others.erase(others.begin() + static_cast<std::ptrdiff_t>(f));
      std::vector<double> loads =
          greedy_loads(TrialQueue(others, tail), total - file.expected_seconds, runners);
      std::vector<double> sizes =
          gap_sizes(loads, timing->setup_seconds, file.expected_seconds - timing->setup_seconds,
                    static_cast<std::size_t>(most));
      for (double& size : sizes) size /= scale;
      if (!sizes.empty()) try_bins(pack(*timing, sizes));
    }
    if (best.empty() || best_makespan > current * (1 - kMinGain)) continue;
    head = std::move(best);
    total = best_total;
    current = best_makespan;
    cut_any = true;
    f = static_cast<std::size_t>(-1);  // the order changed: look again from the longest
  }
  if (cut_any) merge_head(files, old_head, std::move(head));
  return files;
}

}  // namespace dt
