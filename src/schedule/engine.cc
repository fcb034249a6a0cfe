#include "schedule/engine.h"

#include <algorithm>

#include "report/text_util.h"
#include "runner/start_failure.h"
#include "schedule/engine_run.h"

namespace dt {

namespace {

std::vector<std::string> with_prefix(const std::vector<std::string>& prefix,
                                     const std::vector<std::string>& argv) {
  std::vector<std::string> out = prefix;
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace

Engine::Engine(Transport& transport, Status& status, EngineOptions options)
    : transport_(transport), status_(status), options_(std::move(options)) {}

RunResult Engine::run(const std::vector<NodeSlot>& nodes, const std::vector<RunnerSlot>& runners,
                      const std::vector<PlannedFile>& files) {
  EngineRun run(transport_, status_, options_, nodes, runners, files);
  RunResult result = run.run();
  work_ = run.work();
  return result;
}

EngineRun::EngineRun(Transport& transport, Status& status, const EngineOptions& options,
                     const std::vector<NodeSlot>& nodes, const std::vector<RunnerSlot>& runners,
                     const std::vector<PlannedFile>& files)
    : transport_(transport), status_(status), options_(options), nodes_(nodes) {
  runners_.reserve(runners.size());
  for (const RunnerSlot& slot : runners) runners_.emplace_back(slot);
  idle_at_.assign(runners_.size(), kNotIdle);
  for (std::size_t r = 0; r < runners_.size(); ++r) runners_on_[runners_[r].slot.node].push_back(r);
  for (std::size_t n = 0; n < nodes.size(); ++n) node_index_.try_emplace(nodes[n].name, n);
  node_state_.resize(nodes.size());
  std::size_t known = 0;
  std::vector<double> expected;
  expected.reserve(files.size());
  for (const PlannedFile& f : files) {
    known += f.from_history ? 1 : 0;
    expected.push_back(f.expected_seconds);
  }
  eta_from_history_ = !files.empty() && known * 2 >= files.size();
  queue_ = WorkQueue(std::move(expected));
  items_.reserve(files.size());
  results_.reserve(files.size());
  handed_out_.reserve(files.size());
  for (const PlannedFile& f : files) {
    queue_.push_back(items_.size());
    items_.emplace_back().file = &f;
  }
}

RunResult EngineRun::run() {
  started_ = transport_.now();
  for (const RunnerState& rs : runners_) status_.runner_placed(rs.slot.id, rs.slot.node);
  status_.run_started(static_cast<int>(items_.size()), static_cast<int>(runners_.size()));
  for (std::size_t n = 0; n < nodes_.size(); ++n) start_node(n);
  Clock::time_point next_refresh = Clock::time_point::max();
  const auto refresh_every = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options_.refresh_seconds));
  if (options_.refresh_seconds > 0) next_refresh = started_ + refresh_every;
  while (!done()) {
    std::optional<TransportEvent> ev = transport_.wait(std::min(next_deadline(), next_refresh));
    if (ev) {
      handle(*ev);
      check_stranded();
      continue;
    }
    if (transport_.now() >= next_refresh) {
      status_.eta(eta_seconds());
      status_.refresh();
      next_refresh = transport_.now() + refresh_every;
    }
    handle_due_deadlines();
  }

  RunResult result;
  result.interrupted = interrupted_;
  result.fail_fast_triggered = fail_fast_triggered_;
  for (std::size_t i = 0; i < items_.size(); ++i) {
    Item& item = items_[i];
    if (item.finished) continue;
    FileResult& f = results_.emplace_back();
    f.path = item.file->path;
    f.selection = item.file->selection;
    f.status = FileStatus::kNotRun;
    f.error() = not_run_reason_;
    f.attempts = item.attempts;
    if (item.retries) f.earlier_attempts() = std::move(item.retries->earlier_attempts);
  }
  result.files = results_in_completion_order();
  std::vector<std::vector<WorkItem>> work(runners_.size());
  {
    std::vector<std::size_t> count(runners_.size(), 0);
    for (const auto& [r, i] : handed_out_) ++count[r];
    for (std::size_t r = 0; r < runners_.size(); ++r) work[r].reserve(count[r]);
  }
  for (const auto& [r, i] : handed_out_) {
    work[r].push_back(WorkItem{items_[i].file->path, items_[i].file->selection});
  }
  for (std::size_t r = 0; r < runners_.size(); ++r) {
    const RunnerState& rs = runners_[r];
    result.runners.push_back(RunnerResult{rs.slot.id, rs.slot.node, rs.slot.index,
                                          std::move(work[r]),
                                          rs.failure.empty() ? "ok" : rs.failure, rs.teardowns});
  }
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    const NodeState& node = node_state_[n];
    result.nodes.push_back(NodeResult{nodes_[n].name, nodes_[n].host,
                                      node.status.empty() ? "ok" : node.status,
                                      nodes_[n].remote_dir, node.lost_at});
  }
  merge_parts(result);
  result.summary.wall_seconds = since_start(transport_.now());
  summarize(result, static_cast<int>(runners_.size()));
  status_.run_finished(result);
  return result;
}

// Every phase of a run (hooks, runners, draining) has a process; when none is left, the run
// is over, whatever is still queued (that is reported as not run).
bool EngineRun::done() const { return processes_.empty(); }

// What is queued and what is left of the files in flight, over the runners that can take it,
// but never less than the longest single piece. A count-based guess would be far off when the
// slowest files run first; without history for most files there is nothing better to offer.
double EngineRun::eta_seconds() const {
  if (!eta_from_history_) return -1;
  ++work_.estimates;
  work_.runner_visits += runners_.size();
  double work = queue_.total_seconds();
  double longest = queue_.longest_seconds();
  int runners = 0;
  // A pass over a fleet's runners, each cold by now: a busy one (most of them) is read from its
  // first fields alone. (One left out, with a failure, is never busy.)
  Clock::time_point now = transport_.now();
  for (const RunnerState& rs : runners_) {
    if (rs.phase == RunnerState::Phase::kBusy && rs.item) {
      if (rs.node_lost) continue;
      ++runners;
      double elapsed = std::chrono::duration<double>(now - rs.file_started).count();
      double left = std::max(0.0, rs.item_expected_seconds - elapsed);
      work += left;
      longest = std::max(longest, left);
      continue;
    }
    if (rs.phase == RunnerState::Phase::kDraining || !rs.failure.empty() || rs.node_lost) continue;
    if (rs.phase == RunnerState::Phase::kDone && !rs.item) continue;
    ++runners;
  }
  if (runners == 0) return -1;
  return std::max(longest, work / runners);
}

std::optional<Clock::time_point> EngineRun::hook_deadline() const {
  if (options_.hook_timeout_seconds <= 0) return std::nullopt;
  return transport_.now() + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(options_.hook_timeout_seconds));
}

double EngineRun::since_start(Clock::time_point t) const {
  return std::chrono::duration<double>(t - started_).count();
}

int EngineRun::start_process(const ProcessSpec& spec, ProcessRole role, std::size_t index) {
  int p = transport_.start(spec);
  processes_.insert(p, ProcessInfo{role, index});
  return p;
}

void EngineRun::start_node(std::size_t n) {
  const NodeSlot& node = nodes_[n];
  if (options_.node_setup.empty()) return node_ready(n);
  status_.event(Status::Level::kInfo, "node " + node.name + ": running node_setup");
  std::map<std::string, std::string> env = node.env;
  env["DISTRIBUTEST_NODE"] = node.name;  // as its runners see it
  ProcessSpec spec{node.name, with_prefix(node.command_prefix, options_.node_setup), env, "",
                   node.name + "/node_setup", true};
  node_state_[n].setup_process = start_process(spec, ProcessRole::kNodeSetup, n);
  set_node_deadline(n, hook_deadline());
}

void EngineRun::node_ready(std::size_t n) {
  node_state_[n].status = "ok";
  work_.runner_visits += runners_on(nodes_[n].name).size();
  for (std::size_t r : runners_on(nodes_[n].name)) {
    if (stopping_) continue;
    if (options_.runner_setup.empty()) {
      start_runner(r);
    } else {
      start_runner_setup(r);
    }
  }
}

void EngineRun::start_runner_setup(std::size_t r) {
  RunnerState& rs = runners_[r];
  std::vector<std::string> argv = options_.runner_setup;
  argv.push_back(rs.slot.id);
  set_phase(r, RunnerState::Phase::kSetup);
  set_deadline(r, hook_deadline());
  rs.process = start_process(ProcessSpec{rs.slot.node, with_prefix(command_prefix(rs.slot.node), argv),
                                         rs.slot.env, "", rs.slot.id + "/runner_setup", true},
                             ProcessRole::kRunnerSetup, r);
}

void EngineRun::start_runner(std::size_t r) {
  RunnerState& rs = runners_[r];
  rs.reset_protocol();
  set_phase(r, RunnerState::Phase::kStarting);
  set_deadline(r, transport_.now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(
                                             options_.startup_timeout_seconds)));
  rs.process = start_process(ProcessSpec{rs.slot.node, with_prefix(command_prefix(rs.slot.node),
                                                                     rs.slot.argv),
                                         rs.slot.env, "", rs.slot.id},
                             ProcessRole::kRunner, r);
}

void EngineRun::handle(const TransportEvent& ev) {
  using Kind = TransportEvent::Kind;
  if (ev.kind == Kind::kInterrupted) {
    interrupted_ = true;
    return stop("interrupted");
  }
  ++work_.events;
  const ProcessInfo* found = processes_.find(ev.process);
  if (!found) return;
  ProcessInfo info = *found;
  if (ev.kind == Kind::kExited) processes_.erase(ev.process);
  switch (info.role) {
    case ProcessRole::kNodeSetup:
      return on_node_setup_event(info.index, ev);
    case ProcessRole::kRunnerSetup:
      return on_runner_setup_event(info.index, ev);
    case ProcessRole::kRunner:
      if (ev.kind == Kind::kStdout) return on_runner_stdout(info.index, ev.data);
      if (ev.kind == Kind::kStderr) return on_runner_stderr(info.index, ev.data);
      return on_runner_exit(info.index, ev);
  }
}

void EngineRun::on_node_setup_event(std::size_t n, const TransportEvent& ev) {
  NodeState& node = node_state_[n];
  const std::string source = nodes_[n].name + "/node_setup";
  if (ev.kind != TransportEvent::Kind::kExited) {
    status_.output(source, ev.data);
    append_bounded(node.setup_output, ev.data, options_.max_output_bytes);
    return;
  }
  node.setup_process = -1;
  node.setup_deadline.reset();
  if (work_done_) return;  // wind_down() said why it was ended
  if (stopping_) {
    node.status = "not started: run stopped";
    return;
  }
  if (exited_ok(ev) && !node.setup_timed_out) return node_ready(n);
  std::string what = node.setup_timed_out
                         ? "timed out after " + format_seconds(options_.hook_timeout_seconds)
                         : describe_exit(ev);
  node.status = "failed: node_setup " + what;
  std::string output = output_tail(node.setup_output);
  status_.event(Status::Level::kError, "node " + nodes_[n].name + ": node_setup " + what +
                                           "; its runners are left out" +
                                           (output.empty() ? "" : "\n" + output));
  work_.runner_visits += runners_on(nodes_[n].name).size();
  for (std::size_t r : runners_on(nodes_[n].name)) {
    runners_[r].failure = "node_setup failed";
    set_phase(r, RunnerState::Phase::kDone);
  }
  dispatch_idle();  // a rerun kept for "another node" may now go to the runners that are left
}

void EngineRun::on_runner_setup_event(std::size_t r, const TransportEvent& ev) {
  RunnerState& rs = runners_[r];
  if (ev.kind != TransportEvent::Kind::kExited) {
    status_.output(rs.slot.id + "/runner_setup", ev.data);
    append_bounded(rs.output, ev.data, options_.max_output_bytes);
    return;
  }
  rs.process = -1;
  rs.deadline.reset();
  if (stopping_ || work_done_) {
    set_phase(r, RunnerState::Phase::kDone);
    return;
  }
  if (exited_ok(ev) && !rs.timed_out) {
    rs.output.clear();
    return start_runner(r);
  }
  std::string what = rs.timed_out ? "timed out after " + format_seconds(options_.hook_timeout_seconds)
                                  : describe_exit(ev);
  std::string output = output_tail(rs.output);
  runner_failed(r, "runner_setup " + what + (output.empty() ? "" : "\n" + output));
}

void EngineRun::runner_failed(std::size_t r, const std::string& why) {
  RunnerState& rs = runners_[r];
  set_phase(r, RunnerState::Phase::kDone);
  rs.failure = why;
  status_.event(Status::Level::kError, "runner " + rs.slot.id + " left out: " + why);
  dispatch_idle();  // one runner fewer may leave the others with nothing to wait for
}

// A runner that died before its handshake. Every runner of a run usually fails for the same
// reason (a gem Bundler cannot find, a module pytest cannot import), and N copies of one stack
// trace hide it: each cause reaches the console once, in one line with its fix. The log has
// every runner's output already, as it came (status_.output).
void EngineRun::start_failed(std::size_t r, const TransportEvent& ev) {
  RunnerState& rs = runners_[r];
  std::string how = rs.protocol_error ? *rs.protocol_error : describe_exit(ev);
  StartFailure failure = rs.protocol_error ? StartFailure{how, ""}
                                           : explain_start_failure(rs.output, how);
  std::string ended = failure.cause == how ? "" : " (" + how + ")";
  std::string tail = output_tail(rs.output);
  set_phase(r, RunnerState::Phase::kDone);
  rs.failure =
      "runner failed to start: " + failure.cause + ended + (tail.empty() ? "" : "\n" + tail);
  rs.start_cause = failure.cause;
  auto [first, fresh] = start_causes_.try_emplace(failure.cause, rs.slot.id);
  if (fresh) {
    status_.event(Status::Level::kError,
                  "runner " + rs.slot.id + " failed to start" + ended + ": " + failure.cause +
                      (failure.fix.empty() ? "" : "; fix: " + failure.fix) +
                      (tail.empty() ? "" : "; its output is in the run log"));
  } else {
    status_.event(Status::Level::kInfo, "runner " + rs.slot.id + " failed to start" + ended +
                                            ", as runner " + first->second + " did: " +
                                            failure.cause);
  }
  dispatch_idle();  // one runner fewer may leave the others with nothing to wait for
}

void EngineRun::node_lost(const std::string& node, const std::string& why) {
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    NodeState& state = node_state_[n];
    if (nodes_[n].name != node || state.status.starts_with("lost")) continue;
    state.lost_at = since_start(transport_.now());
    state.status = "lost after " + format_seconds(state.lost_at) + ": " + why;
    status_.event(Status::Level::kError, "node " + node + " " + state.status +
                                             "; its files in flight go to other runners");
    status_.node_lost(node);
  }
  // Its other runners' exits may not have arrived yet: none of them may take a requeued file.
  work_.runner_visits += runners_on(node).size();
  for (std::size_t r : runners_on(node)) {
    RunnerState& rs = runners_[r];
    if (rs.node_lost) continue;
    rs.node_lost = true;
    if (rs.phase == RunnerState::Phase::kIdle) ++idle_on_lost_node_;
  }
}

void EngineRun::on_node_deadline(std::size_t n) {
  NodeState& node = node_state_[n];
  node.setup_deadline.reset();
  node.setup_timed_out = true;
  status_.event(Status::Level::kWarning, "node " + nodes_[n].name + ": node_setup timed out after " +
                                             format_seconds(options_.hook_timeout_seconds) +
                                             "; ending it");
  transport_.terminate(node.setup_process);
}

// Every file has its result: hooks still running and runners still starting are not needed,
// and the run must not wait for a slow node's node_setup.
void EngineRun::wind_down() {
  if (work_done_) return;
  work_done_ = true;
  const std::string why = "not used: every file had run before it was ready";
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    NodeState& node = node_state_[n];
    if (node.setup_process < 0) continue;
    node.status = why;
    node.setup_deadline.reset();
    transport_.terminate(node.setup_process);
  }
  work_.runner_visits += runners_.size();  // once a run
  for (std::size_t r = 0; r < runners_.size(); ++r) {
    RunnerState& rs = runners_[r];
    using Phase = RunnerState::Phase;
    if (rs.phase != Phase::kWaiting && rs.phase != Phase::kSetup && rs.phase != Phase::kStarting) {
      continue;
    }
    if (rs.failure.empty()) rs.failure = why;
    rs.ending = true;
    rs.deadline.reset();
    if (rs.process >= 0) transport_.terminate(rs.process);
    if (rs.phase == Phase::kWaiting) set_phase(r, Phase::kDone);
  }
}

// Files are queued, but no runner can take one, now or later (each is gone, left out, or on a
// lost node): the run ends instead of waiting forever, and they are reported as not run.
void EngineRun::check_stranded() {
  if (stopping_ || queue_.empty()) return;
  auto add_once = [](std::string& list, const std::string& reason) {
    if (!reason.empty() && list.find(reason) == std::string::npos) {
      list += (list.empty() ? "" : "; ") + reason;
    }
  };
  std::string why;    // for the files' results, in every report
  std::string shown;  // for the console, which has shown each start failure's cause already
  int failed_to_start = 0;
  for (const RunnerState& rs : runners_) {
    ++work_.runner_visits;
    if (rs.may_get_work()) return;
    std::string failure(first_line(rs.failure));
    add_once(why, failure);
    if (rs.start_cause.empty()) add_once(shown, failure);
    failed_to_start += rs.start_cause.empty() ? 0 : 1;
  }
  if (failed_to_start > 0) {
    add_once(shown, std::to_string(failed_to_start) +
                        (failed_to_start == 1 ? " runner" : " runners") +
                        " failed to start, as above");
  }
  not_run_reason_ = "no runner was left to run it" + (why.empty() ? "" : " (" + why + ")");
  stop(std::to_string(queue_.size()) + " file(s) queued and no runner was left to run it" +
       (shown.empty() ? "" : " (" + shown + ")"));
}

void EngineRun::stop(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  status_.event(Status::Level::kWarning, "stopping: " + why);
  // Every process goes, idle runners included: a stop must be quick, not polite.
  work_.runner_visits += runners_.size();  // once a run
  for (RunnerState& rs : runners_) rs.ending = true;
  // In the order they started.
  for (int process : processes_.ids()) transport_.terminate(process);
}

}  // namespace dt
