// Handing out work: which queued file an idle runner takes (reruns kept off the runner and
// node that failed them, fresh-session files only for processes that have run nothing), and
// telling a runner there is no more.
#include <algorithm>

#include "runner/protocol.h"
#include "schedule/engine_run.h"

namespace dt {

// Queued fresh-session files that runner r could take outnumber the fresh processes already
// idle, starting or on their way: r should make way for one more.
bool EngineRun::fresh_processes_wanted(std::size_t r) const {
  int wanted = 0;
  for (std::size_t i : queue_) wanted += items_[i].file->fresh_session && may_take(r, items_[i]);
  if (wanted == 0) return false;
  work_.runner_visits += runners_.size();
  int coming = 0;
  for (const RunnerState& o : runners_) {
    using Phase = RunnerState::Phase;
    bool fresh = (o.phase == Phase::kStarting || o.phase == Phase::kIdle) && o.files_in_process == 0;
    bool recycles_after = o.phase == Phase::kBusy && o.item && items_[*o.item].file->fresh_session;
    coming += o.may_get_work() && (fresh || o.recycle || recycles_after ||
                                   o.phase == Phase::kSetup || o.phase == Phase::kWaiting);
  }
  return wanted > coming;
}

// Processes started or idle that have run nothing yet: what a queued file can go to at once.
std::size_t EngineRun::fresh_processes_waiting() const {
  work_.runner_visits += runners_.size();
  std::size_t n = 0;
  for (const RunnerState& o : runners_) {
    using Phase = RunnerState::Phase;
    n += o.may_get_work() && o.files_in_process == 0 &&
         (o.phase == Phase::kStarting || o.phase == Phase::kIdle);
  }
  return n;
}

// session_per_file: the runner ends in order (its teardown runs) and a fresh process takes
// its slot while there is work left.
void EngineRun::recycle_runner(std::size_t r) {
  end_runner(r);
  runners_[r].recycle = true;
}

bool EngineRun::may_take(std::size_t r, const Item& item) const {
  if (!item.retries || item.retries->avoid_runner.empty()) return true;
  const Retries& retries = *item.retries;
  const RunnerState& rs = runners_[r];
  bool other_runner = false;
  bool other_node = false;
  work_.runner_visits += runners_.size();
  for (const RunnerState& o : runners_) {
    bool alive = o.phase != RunnerState::Phase::kDone &&
                 o.phase != RunnerState::Phase::kDraining && !o.node_lost;
    if (&o == &rs || !alive) continue;
    other_runner = true;
    other_node |= o.slot.node != retries.avoid_node;
  }
  if (rs.slot.node == retries.avoid_node && other_node) return false;
  return rs.slot.id != retries.avoid_runner || !other_runner;
}

void EngineRun::dispatch(std::size_t r) {
  RunnerState& rs = runners_[r];
  if (rs.phase != RunnerState::Phase::kIdle) return;
  // A runner that is dying (its process gone, or being ended) may look idle for a moment
  // while its exit is handled: it must not be given a file.
  if (rs.process < 0 || rs.ending) return;
  // One on a lost node gets no file either, and must not sit idle forever: its own channel
  // may have survived the connection that broke.
  if (stopping_ || rs.node_lost) return end_runner(r);
  auto next = std::find_if(queue_.begin(), queue_.end(),
                           [&](std::size_t i) { return may_take(r, items_[i]); });
  // A file with a fresh session of its own goes only to a process that has run nothing yet:
  // this runner makes way for one (keeping the slowest-first order) unless enough are coming,
  // and then takes the next file it can run in its session.
  if (next != queue_.end() && items_[*next].file->fresh_session && rs.files_in_process > 0) {
    if (fresh_processes_wanted(r)) return recycle_runner(r);
    next = std::find_if(next, queue_.end(), [&](std::size_t i) {
      return may_take(r, items_[i]) && !items_[i].file->fresh_session;
    });
  }
  if (next == queue_.end()) {
    if (!queue_.empty()) return;  // reruns meant for other runners, fresh files for fresh ones
    // A file in flight elsewhere may still come back (its runner or node dies, or --retry):
    // stay ready for it until nothing is in flight.
    if (busy_ > 0) return;
    return end_runner(r);
  }
  std::size_t i = *next;
  queue_.erase(next);
  Item& item = items_[i];
  ++rs.files_in_process;
  ++item.attempts;
  rs.item = i;
  set_phase(r, RunnerState::Phase::kBusy);
  rs.file_started = transport_.now();
  rs.item_expected_seconds = item.file->expected_seconds;
  handed_out_.emplace_back(r, i);
  if (options_.timeout_seconds > 0) {
    set_deadline(r, rs.file_started + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options_.timeout_seconds)));
  }
  status_.file_started(rs.slot.id, work_label(item.file->path, item.file->selection));
  transport_.write_stdin(rs.process, work_line(item.file->path, item.file->selection));
}

// No more work for this runner: an empty line says so (protocol 2). Its stdin stays open, so
// on a node the wrapper's watchdog (which fires when stdin ends: the master died or ended it)
// leaves its teardown alone (after(:suite), at_exit, coverage writers); the runner exits by
// itself, or is ended once the teardown timeout passes.
void EngineRun::end_runner(std::size_t r) {
  RunnerState& rs = runners_[r];
  set_phase(r, RunnerState::Phase::kDraining);
  rs.told_no_more_work = transport_.now();
  rs.output.clear();
  set_deadline(r, transport_.now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(options_.teardown_timeout_seconds)));
  transport_.write_stdin(rs.process, "\n");
}

}  // namespace dt
