// What the engine keeps at hand so that no event costs a pass over a fleet's runners or items:
// the phase counts and the idle list (set_phase), the queue of deadlines, the runners of each
// node, the throttled estimate of the time left, and the results put in completion order where
// they are. Internal to the schedule module, with engine.cc, runner_events.cc and dispatch.cc.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>

#include "schedule/engine_run.h"
#include "util/permute.h"

namespace dt {

// Completion order is what a timeline wants, to the microsecond; ties in the order the results
// came, and not-run files last (in plan order, as they are added). The results are put in that
// order where they are (a fleet's million results are hundreds of MB; sorting them by value
// would move each many times). Ends compared as doubles differ in their last bits for files
// that end together (a start plus a duration rounds either way), so results in arrival order
// looked unsorted, and a fleet's were sorted for nothing.
std::vector<FileResult> EngineRun::results_in_completion_order() {
  struct Key {
    std::int64_t end_us;  // INT64_MAX for a file that did not run
    std::size_t result;
    bool operator<(const Key& o) const {
      return std::tie(end_us, result) < std::tie(o.end_us, o.result);
    }
  };
  std::vector<Key> keys;
  keys.reserve(results_.size());
  for (std::size_t k = 0; k < results_.size(); ++k) {
    const FileResult& f = results_[k];
    std::int64_t end_us = f.status == FileStatus::kNotRun
                              ? INT64_MAX
                              : std::llround((f.started_seconds + f.duration_seconds) * 1e6);
    keys.push_back(Key{end_us, k});
  }
  // They were kept as they finished, so they are in order unless a record's own duration, or
  // the rounding of one, moved an end: a few places, as a rule.
  if (std::is_sorted(keys.begin(), keys.end())) return std::move(results_);
  sort_nearly_sorted(keys);
  std::vector<std::size_t> order;
  order.reserve(keys.size());
  for (const Key& key : keys) order.push_back(key.result);
  permute_in_place(results_, std::move(order));
  return std::move(results_);
}

Clock::time_point EngineRun::next_deadline() {
  while (!deadlines_.empty() && !deadline_current(deadlines_.top())) deadlines_.pop();
  return deadlines_.empty() ? Clock::time_point::max() : deadlines_.top().at;
}

bool EngineRun::deadline_current(const Deadline& d) const {
  const std::optional<Clock::time_point>& set =
      d.node ? node_state_[d.index].setup_deadline : runners_[d.index].deadline;
  return set == d.at;
}

void EngineRun::set_deadline(std::size_t r, std::optional<Clock::time_point> at) {
  runners_[r].deadline = at;
  if (at) deadlines_.push(Deadline{*at, false, r});
}

void EngineRun::set_node_deadline(std::size_t n, std::optional<Clock::time_point> at) {
  node_state_[n].setup_deadline = at;
  if (at) deadlines_.push(Deadline{*at, true, n});
}

// Every deadline that has passed, each once, runners first and then nodes, each in index order:
// the order one pass over them all would take.
void EngineRun::handle_due_deadlines() {
  std::vector<std::pair<bool, std::size_t>> due;
  while (!deadlines_.empty() && deadlines_.top().at <= transport_.now()) {
    const Deadline& top = deadlines_.top();
    if (deadline_current(top)) due.emplace_back(top.node, top.index);
    deadlines_.pop();
  }
  std::sort(due.begin(), due.end());
  due.erase(std::unique(due.begin(), due.end()), due.end());
  work_.runner_visits += due.size();
  for (auto [node, index] : due) {
    if (node) {
      on_node_deadline(index);
    } else {
      on_deadline(index);
    }
  }
}

const std::vector<std::string>& EngineRun::command_prefix(const std::string& node) const {
  static const std::vector<std::string> kNone;
  auto it = node_index_.find(node);
  return it == node_index_.end() ? kNone : nodes_[it->second].command_prefix;
}

const std::vector<std::size_t>& EngineRun::runners_on(const std::string& node) const {
  static const std::vector<std::size_t> kNone;
  auto it = runners_on_.find(node);
  return it == runners_on_.end() ? kNone : it->second;
}

// An estimate is a pass over the runners: thousands of files a second on a fleet get one every
// kEtaEvery of the run between them; the first file and the last always get one.
void EngineRun::report_eta() {
  constexpr auto kEtaEvery = std::chrono::milliseconds(500);
  Clock::time_point now = transport_.now();
  bool last = finished_ == static_cast<int>(items_.size());
  if (!last && last_eta_ && now - *last_eta_ < kEtaEvery) return;
  last_eta_ = now;
  status_.eta(eta_seconds());
}

// Only idle runners can take a file. With nothing queued while files are in flight, they stay
// ready for one that comes back, and only those on a lost node have something to do (end): at a
// fleet's tail thousands wait so, and visiting them all for every file that finishes would be
// quadratic.
void EngineRun::dispatch_idle() {
  if (queue_.empty() && busy_ > 0 && idle_on_lost_node_ == 0) return;
  work_.runner_visits += idle_.size();
  if (idle_.size() == 1) return dispatch(idle_.front());
  // In runner order, as a pass over all runners would go (which runner takes a rerun depends on
  // it); dispatch() takes runners out of idle_, so this goes over a copy.
  std::vector<std::size_t> idle = idle_;
  std::sort(idle.begin(), idle.end());
  for (std::size_t r : idle) dispatch(r);
}

// The only writer of a runner's phase: it keeps idle_, idle_on_lost_node_ and busy_.
void EngineRun::set_phase(std::size_t r, RunnerState::Phase phase) {
  using Phase = RunnerState::Phase;
  RunnerState& rs = runners_[r];
  if (rs.phase == Phase::kBusy) --busy_;
  if (rs.phase == Phase::kIdle) {
    std::size_t at = idle_at_[r];
    idle_[at] = idle_.back();
    idle_at_[idle_[at]] = at;
    idle_.pop_back();
    idle_at_[r] = kNotIdle;
    if (rs.node_lost) --idle_on_lost_node_;
  }
  rs.phase = phase;
  if (phase == Phase::kBusy) ++busy_;
  if (phase == Phase::kIdle) {
    idle_at_[r] = idle_.size();
    idle_.push_back(r);
    if (rs.node_lost) ++idle_on_lost_node_;
  }
}

}  // namespace dt
