#include "schedule/engine.h"

#include <algorithm>

#include "report/text_util.h"
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
  return run.run();
}

EngineRun::EngineRun(Transport& transport, Status& status, const EngineOptions& options,
                     const std::vector<NodeSlot>& nodes, const std::vector<RunnerSlot>& runners,
                     const std::vector<PlannedFile>& files)
    : transport_(transport), status_(status), options_(options), nodes_(nodes) {
  for (const RunnerSlot& slot : runners) runners_.emplace_back(slot);
  node_state_.resize(nodes.size());
  std::size_t known = 0;
  for (const PlannedFile& f : files) known += f.from_history ? 1 : 0;
  eta_from_history_ = !files.empty() && known * 2 >= files.size();
  for (const PlannedFile& f : files) {
    queue_.push_back(items_.size());
    Item item;
    item.file = f;
    items_.push_back(std::move(item));
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
    for (std::size_t r = 0; r < runners_.size(); ++r) {
      if (runners_[r].deadline && *runners_[r].deadline <= transport_.now()) on_deadline(r);
    }
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      const NodeState& node = node_state_[n];
      if (node.setup_deadline && *node.setup_deadline <= transport_.now()) on_node_deadline(n);
    }
  }

  RunResult result;
  result.interrupted = interrupted_;
  result.fail_fast_triggered = fail_fast_triggered_;
  for (Item& item : items_) {
    if (!item.finished) {
      item.result.path = item.file.path;
      item.result.selection = item.file.selection;
      item.result.status = FileStatus::kNotRun;
      item.result.error = not_run_reason_;
      item.result.attempts = item.attempts;
      item.result.earlier_attempts = std::move(item.earlier_attempts);
    }
    result.files.push_back(std::move(item.result));
  }
  // Completion order is what a timeline wants; not-run files go last.
  std::stable_sort(result.files.begin(), result.files.end(),
                   [](const FileResult& a, const FileResult& b) {
                     bool a_ran = a.status != FileStatus::kNotRun;
                     bool b_ran = b.status != FileStatus::kNotRun;
                     if (a_ran != b_ran) return a_ran;
                     return a.started_seconds + a.duration_seconds <
                            b.started_seconds + b.duration_seconds;
                   });
  for (const RunnerState& rs : runners_) {
    result.runners.push_back(RunnerResult{rs.slot.id, rs.slot.node, rs.slot.index, rs.files_run,
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
  double work = 0;
  double longest = 0;
  for (std::size_t i : queue_) {
    work += items_[i].file.expected_seconds;
    longest = std::max(longest, items_[i].file.expected_seconds);
  }
  int runners = 0;
  for (const RunnerState& rs : runners_) {
    if (rs.phase == RunnerState::Phase::kDraining || !rs.failure.empty() || rs.node_lost) continue;
    if (rs.phase == RunnerState::Phase::kDone && !rs.item) continue;
    ++runners;
    if (rs.phase != RunnerState::Phase::kBusy || !rs.item) continue;
    double elapsed = std::chrono::duration<double>(transport_.now() - rs.file_started).count();
    double left = std::max(0.0, items_[*rs.item].file.expected_seconds - elapsed);
    work += left;
    longest = std::max(longest, left);
  }
  if (runners == 0) return -1;
  return std::max(longest, work / runners);
}

Clock::time_point EngineRun::next_deadline() const {
  Clock::time_point next = Clock::time_point::max();
  for (const RunnerState& rs : runners_) {
    if (rs.deadline) next = std::min(next, *rs.deadline);
  }
  for (const NodeState& node : node_state_) {
    if (node.setup_deadline) next = std::min(next, *node.setup_deadline);
  }
  return next;
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
  processes_[p] = ProcessInfo{role, index};
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
  node_state_[n].setup_deadline = hook_deadline();
}

void EngineRun::node_ready(std::size_t n) {
  node_state_[n].status = "ok";
  for (std::size_t r = 0; r < runners_.size(); ++r) {
    if (runners_[r].slot.node != nodes_[n].name) continue;
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
  rs.phase = RunnerState::Phase::kSetup;
  rs.deadline = hook_deadline();
  rs.process = start_process(ProcessSpec{rs.slot.node, with_prefix(command_prefix(rs.slot.node), argv),
                                         rs.slot.env, "", rs.slot.id + "/runner_setup", true},
                             ProcessRole::kRunnerSetup, r);
}

void EngineRun::start_runner(std::size_t r) {
  RunnerState& rs = runners_[r];
  rs.reset_protocol();
  rs.phase = RunnerState::Phase::kStarting;
  rs.deadline = transport_.now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(
                                           options_.startup_timeout_seconds));
  rs.process = start_process(ProcessSpec{rs.slot.node, with_prefix(command_prefix(rs.slot.node),
                                                                     rs.slot.argv),
                                         rs.slot.env, "", rs.slot.id},
                             ProcessRole::kRunner, r);
}

const std::vector<std::string>& EngineRun::command_prefix(const std::string& node) const {
  static const std::vector<std::string> kNone;
  for (const NodeSlot& n : nodes_) {
    if (n.name == node) return n.command_prefix;
  }
  return kNone;
}

void EngineRun::handle(const TransportEvent& ev) {
  using Kind = TransportEvent::Kind;
  if (ev.kind == Kind::kInterrupted) {
    interrupted_ = true;
    return stop("interrupted");
  }
  auto it = processes_.find(ev.process);
  if (it == processes_.end()) return;
  ProcessInfo info = it->second;
  if (ev.kind == Kind::kExited) processes_.erase(it);
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
  for (RunnerState& rs : runners_) {
    if (rs.slot.node != nodes_[n].name) continue;
    rs.failure = "node_setup failed";
    rs.phase = RunnerState::Phase::kDone;
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
    rs.phase = RunnerState::Phase::kDone;
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
  rs.phase = RunnerState::Phase::kDone;
  rs.failure = why;
  status_.event(Status::Level::kError, "runner " + rs.slot.id + " left out: " + why);
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
  for (RunnerState& rs : runners_) {
    if (rs.slot.node == node) rs.node_lost = true;
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
    if (rs.phase == Phase::kWaiting) rs.phase = Phase::kDone;
  }
}

// Files are queued, but no runner can take one, now or later (each is gone, left out, or on a
// lost node): the run ends instead of waiting forever, and they are reported as not run.
void EngineRun::check_stranded() {
  if (stopping_ || queue_.empty()) return;
  std::string why;
  for (const RunnerState& rs : runners_) {
    if (rs.may_get_work()) return;
    std::string failure(first_line(rs.failure));
    if (!failure.empty() && why.find(failure) == std::string::npos) {
      why += (why.empty() ? "" : "; ") + failure;
    }
  }
  not_run_reason_ = "no runner was left to run it" + (why.empty() ? "" : " (" + why + ")");
  stop(std::to_string(queue_.size()) + " file(s) queued and " + not_run_reason_);
}

void EngineRun::stop(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  status_.event(Status::Level::kWarning, "stopping: " + why);
  // Every process goes, idle runners included: a stop must be quick, not polite.
  for (RunnerState& rs : runners_) rs.ending = true;
  for (const auto& [process, info] : processes_) transport_.terminate(process);
}

}  // namespace dt
