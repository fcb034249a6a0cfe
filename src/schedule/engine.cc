#include "schedule/engine.h"

#include <string.h>

#include <algorithm>
#include <deque>
#include <optional>

#include "report/status.h"
#include "runner/protocol.h"
#include "schedule/runner_state.h"
#include "transport/transport.h"

namespace dt {

namespace {

// Why an exit status is worth a line of its own: "exited with status 3", "killed by SIGSEGV".
std::string describe_exit(const TransportEvent& ev) {
  if (!ev.error.empty()) return ev.error;
  if (ev.signal != 0) {
    const char* name = sigabbrev_np(ev.signal);
    return "killed by signal " + std::to_string(ev.signal) +
           (name ? std::string(" (SIG") + name + ")" : std::string());
  }
  return "exited with status " + std::to_string(ev.exit_code);
}

bool exited_ok(const TransportEvent& ev) {
  return ev.error.empty() && ev.signal == 0 && ev.exit_code == 0;
}

// How long a runner may take to exit once its stdin is closed.
constexpr auto kDrainGrace = std::chrono::seconds(10);

bool is_failure(FileStatus s) {
  return s == FileStatus::kFailed || s == FileStatus::kError || s == FileStatus::kTimeout;
}

}  // namespace

// One run: the queue, the runners' state machines, and what each process id stands for.
class EngineRun {
 public:
  EngineRun(Transport& transport, Status& status, const EngineOptions& options,
            const std::vector<NodeSlot>& nodes, const std::vector<RunnerSlot>& runners,
            const std::vector<PlannedFile>& files);
  RunResult run();

 private:
  struct Item {
    PlannedFile file;
    int attempts = 0;
    bool finished = false;
    FileResult result;
  };
  enum class ProcessRole { kNodeSetup, kRunnerSetup, kRunner };
  struct ProcessInfo {
    ProcessRole role;
    std::size_t index;  // node index for kNodeSetup, runner index otherwise
  };

  void start_node(std::size_t n);
  void node_ready(std::size_t n);
  void start_runner_setup(std::size_t r);
  void start_runner(std::size_t r);
  int start_process(const ProcessSpec& spec, ProcessRole role, std::size_t index);

  void handle(const TransportEvent& ev);
  void on_node_setup_event(std::size_t n, const TransportEvent& ev);
  void on_runner_setup_event(std::size_t r, const TransportEvent& ev);
  void on_runner_stdout(std::size_t r, const std::string& data);
  void on_runner_stderr(std::size_t r, const std::string& data);
  void on_runner_exit(std::size_t r, const TransportEvent& ev);
  void on_deadline(std::size_t r);

  void dispatch(std::size_t r);
  void maybe_finish_file(std::size_t r);
  void finish_item(std::size_t r, FileResult result);
  void crash_in_flight(std::size_t r, const std::string& why);
  void runner_failed(std::size_t r, const std::string& why);
  void stop(const std::string& why);
  void end_runner(std::size_t r);

  bool done() const;
  Clock::time_point next_deadline() const;
  FileResult base_result(std::size_t r, const Item& item) const;
  double since_start(Clock::time_point t) const;

  Transport& transport_;
  Status& status_;
  const EngineOptions& options_;
  const std::vector<NodeSlot>& nodes_;
  std::vector<RunnerState> runners_;
  std::vector<std::string> node_status_;  // "" while setting up, "ok", or why it failed
  std::vector<Item> items_;
  std::deque<std::size_t> queue_;
  std::map<int, ProcessInfo> processes_;
  std::map<std::size_t, std::string> node_setup_output_;
  int finished_ = 0;
  int failed_ = 0;
  bool stopping_ = false;
  bool interrupted_ = false;
  bool fail_fast_triggered_ = false;
  Clock::time_point started_;
};

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
  node_status_.resize(nodes.size());
  for (const PlannedFile& f : files) {
    queue_.push_back(items_.size());
    items_.push_back(Item{f, 0, false, {}});
  }
}

RunResult EngineRun::run() {
  started_ = transport_.now();
  status_.run_started(static_cast<int>(items_.size()), static_cast<int>(runners_.size()));
  for (std::size_t n = 0; n < nodes_.size(); ++n) start_node(n);
  while (!done()) {
    std::optional<TransportEvent> ev = transport_.wait(next_deadline());
    if (ev) {
      handle(*ev);
      continue;
    }
    for (std::size_t r = 0; r < runners_.size(); ++r) {
      if (runners_[r].deadline && *runners_[r].deadline <= transport_.now()) on_deadline(r);
    }
  }

  RunResult result;
  result.interrupted = interrupted_;
  result.fail_fast_triggered = fail_fast_triggered_;
  for (Item& item : items_) {
    if (!item.finished) {
      item.result.path = item.file.path;
      item.result.status = FileStatus::kNotRun;
      item.result.attempts = item.attempts;
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
                                          rs.failure.empty() ? "ok" : rs.failure});
  }
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    result.nodes.push_back(NodeResult{nodes_[n].name, nodes_[n].host,
                                      node_status_[n].empty() ? "ok" : node_status_[n],
                                      nodes_[n].remote_dir});
  }
  result.summary.wall_seconds = since_start(transport_.now());
  summarize(result, static_cast<int>(runners_.size()));
  result.summary.wall_seconds = since_start(transport_.now());
  status_.run_finished(result);
  return result;
}

bool EngineRun::done() const {
  if (!processes_.empty()) return false;
  // Nothing runs. Anything still setting up would have a process, so we are done.
  return true;
}

Clock::time_point EngineRun::next_deadline() const {
  Clock::time_point next = Clock::time_point::max();
  for (const RunnerState& rs : runners_) {
    if (rs.deadline) next = std::min(next, *rs.deadline);
  }
  return next;
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
  ProcessSpec spec{node.name, options_.node_setup, node.env, "", node.name + "/node_setup"};
  start_process(spec, ProcessRole::kNodeSetup, n);
}

void EngineRun::node_ready(std::size_t n) {
  node_status_[n] = "ok";
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
  rs.process = start_process(
      ProcessSpec{rs.slot.node, argv, rs.slot.env, "", rs.slot.id + "/runner_setup"},
      ProcessRole::kRunnerSetup, r);
}

void EngineRun::start_runner(std::size_t r) {
  RunnerState& rs = runners_[r];
  rs.reset_protocol();
  rs.phase = RunnerState::Phase::kStarting;
  rs.deadline = transport_.now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(
                                           options_.startup_timeout_seconds));
  rs.process = start_process(
      ProcessSpec{rs.slot.node, options_.runner_argv, rs.slot.env, "", rs.slot.id},
      ProcessRole::kRunner, r);
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
  const std::string source = nodes_[n].name + "/node_setup";
  if (ev.kind != TransportEvent::Kind::kExited) {
    status_.output(source, ev.data);
    append_bounded(node_setup_output_[n], ev.data, options_.max_output_bytes);
    return;
  }
  if (stopping_) {
    node_status_[n] = "not started: run stopped";
    return;
  }
  if (exited_ok(ev)) return node_ready(n);
  node_status_[n] = "node_setup " + describe_exit(ev);
  status_.event(Status::Level::kError, "node " + nodes_[n].name + ": node_setup " +
                                           describe_exit(ev) + "; its runners are left out\n" +
                                           tail_lines(node_setup_output_[n], 20));
  for (RunnerState& rs : runners_) {
    if (rs.slot.node == nodes_[n].name) rs.failure = "node_setup failed";
  }
}

void EngineRun::on_runner_setup_event(std::size_t r, const TransportEvent& ev) {
  RunnerState& rs = runners_[r];
  if (ev.kind != TransportEvent::Kind::kExited) {
    status_.output(rs.slot.id + "/runner_setup", ev.data);
    append_bounded(rs.output, ev.data, options_.max_output_bytes);
    return;
  }
  rs.process = -1;
  if (stopping_) return;
  if (exited_ok(ev)) {
    rs.output.clear();
    return start_runner(r);
  }
  runner_failed(r, "runner_setup " + describe_exit(ev) + "\n" + tail_lines(rs.output, 20));
}

void EngineRun::on_runner_stdout(std::size_t r, const std::string& data) {
  RunnerState& rs = runners_[r];
  std::vector<RecordParser::Message> messages;
  rs.parser.feed(data, messages);
  for (RecordParser::Message& m : messages) {
    using Kind = RecordParser::Message::Kind;
    switch (m.kind) {
      case Kind::kNoise:
        status_.output(rs.slot.id, m.text + "\n");
        break;
      case Kind::kHello:
        if (rs.phase == RunnerState::Phase::kStarting) {
          status_.event(Status::Level::kInfo, "runner " + rs.slot.id + " ready (" + m.text + ")");
          rs.phase = RunnerState::Phase::kIdle;
          rs.deadline.reset();
          rs.output.clear();
          dispatch(r);
        }
        break;
      case Kind::kResult:
        if (rs.phase != RunnerState::Phase::kBusy || rs.record) {
          status_.event(Status::Level::kWarning,
                        "runner " + rs.slot.id + " sent a result with no file in flight");
          break;
        }
        rs.record = std::move(m.result);
        maybe_finish_file(r);
        break;
      case Kind::kError:
        status_.event(Status::Level::kError,
                      "runner " + rs.slot.id + ": protocol error: " + m.text);
        rs.protocol_error = m.text;
        rs.ending = true;
        transport_.terminate(rs.process);
        return;
    }
  }
}

void EngineRun::on_runner_stderr(std::size_t r, const std::string& data) {
  RunnerState& rs = runners_[r];
  status_.output(rs.slot.id, data);
  if (rs.phase == RunnerState::Phase::kStarting) {
    // Kept to explain a runner that dies before its handshake (a broken spec_helper).
    return append_bounded(rs.output, data, options_.max_output_bytes);
  }
  std::vector<std::string> segments;
  rs.splitter.feed(data, segments);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (rs.phase == RunnerState::Phase::kBusy && !rs.marker_seen) {
      append_bounded(rs.output, segments[i], options_.max_output_bytes);
    }
    if (i + 1 < segments.size()) {  // an end marker followed this segment
      if (rs.phase == RunnerState::Phase::kBusy) rs.marker_seen = true;
      maybe_finish_file(r);
    }
  }
}

void EngineRun::maybe_finish_file(std::size_t r) {
  RunnerState& rs = runners_[r];
  if (rs.phase != RunnerState::Phase::kBusy || !rs.record || !rs.marker_seen) return;
  Item& item = items_[*rs.item];
  FileResult result = base_result(r, item);
  FileResult& rec = *rs.record;
  result.status = rec.status;
  if (rec.duration_seconds > 0) result.duration_seconds = rec.duration_seconds;
  result.examples = rec.examples;
  result.failures = rec.failures;
  result.pending = rec.pending;
  result.errors = rec.errors;
  result.cases = std::move(rec.cases);
  result.error = std::move(rec.error);
  finish_item(r, std::move(result));
  rs.phase = RunnerState::Phase::kIdle;
  dispatch(r);
}

FileResult EngineRun::base_result(std::size_t r, const Item& item) const {
  const RunnerState& rs = runners_[r];
  FileResult result;
  result.path = item.file.path;
  result.node = rs.slot.node;
  result.runner = rs.slot.id;
  result.attempts = item.attempts;
  result.started_seconds = since_start(rs.file_started);
  result.duration_seconds = std::chrono::duration<double>(transport_.now() - rs.file_started).count();
  result.output = rs.output;
  return result;
}

void EngineRun::finish_item(std::size_t r, FileResult result) {
  RunnerState& rs = runners_[r];
  Item& item = items_[*rs.item];
  rs.item.reset();
  rs.record.reset();
  rs.marker_seen = false;
  rs.deadline.reset();
  rs.output.clear();
  item.finished = true;
  item.result = std::move(result);
  ++finished_;
  if (is_failure(item.result.status)) ++failed_;
  status_.file_finished(item.result, finished_, static_cast<int>(items_.size()), failed_);
  if (options_.fail_fast > 0 && failed_ >= options_.fail_fast && !stopping_) {
    fail_fast_triggered_ = true;
    stop("fail-fast: " + std::to_string(failed_) + " file(s) failed");
  }
}

void EngineRun::dispatch(std::size_t r) {
  RunnerState& rs = runners_[r];
  if (rs.phase != RunnerState::Phase::kIdle) return;
  if (stopping_ || queue_.empty()) return end_runner(r);
  std::size_t i = queue_.front();
  queue_.pop_front();
  Item& item = items_[i];
  ++item.attempts;
  rs.item = i;
  rs.phase = RunnerState::Phase::kBusy;
  rs.file_started = transport_.now();
  rs.files_run.push_back(item.file.path);
  if (options_.timeout_seconds > 0) {
    rs.deadline = rs.file_started + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(options_.timeout_seconds));
  }
  status_.file_started(rs.slot.id, item.file.path);
  transport_.write_stdin(rs.process, item.file.path + "\n");
}

// No more work for this runner: EOF on stdin tells it to exit.
void EngineRun::end_runner(std::size_t r) {
  RunnerState& rs = runners_[r];
  rs.phase = RunnerState::Phase::kDraining;
  rs.deadline = transport_.now() + kDrainGrace;
  transport_.close_stdin(rs.process);
}

void EngineRun::on_deadline(std::size_t r) {
  RunnerState& rs = runners_[r];
  rs.deadline.reset();
  if (rs.phase == RunnerState::Phase::kBusy) {
    rs.timed_out = true;
    status_.event(Status::Level::kWarning, "runner " + rs.slot.id + ": " +
                                               items_[*rs.item].file.path + " timed out after " +
                                               format_seconds(options_.timeout_seconds));
  } else if (rs.phase == RunnerState::Phase::kStarting) {
    rs.protocol_error = "no handshake within " + format_seconds(options_.startup_timeout_seconds);
  } else if (rs.phase == RunnerState::Phase::kDraining) {
    status_.event(Status::Level::kWarning,
                  "runner " + rs.slot.id + " did not exit after its last file; ending it");
  }
  rs.ending = true;
  transport_.terminate(rs.process);
}

void EngineRun::on_runner_exit(std::size_t r, const TransportEvent& ev) {
  RunnerState& rs = runners_[r];
  rs.process = -1;
  rs.deadline.reset();
  std::vector<RecordParser::Message> rest;
  rs.parser.finish(rest);
  for (const RecordParser::Message& m : rest) status_.output(rs.slot.id, m.text + "\n");
  std::string tail;
  rs.splitter.finish(tail);
  if (rs.phase == RunnerState::Phase::kBusy) append_bounded(rs.output, tail, options_.max_output_bytes);

  switch (rs.phase) {
    case RunnerState::Phase::kBusy:
      if (rs.record && !rs.protocol_error) {
        rs.marker_seen = true;  // the record arrived; only the marker was lost with the process
        maybe_finish_file(r);
        rs.phase = RunnerState::Phase::kIdle;
        break;
      }
      crash_in_flight(r, rs.protocol_error ? "protocol error: " + *rs.protocol_error
                                           : "runner " + describe_exit(ev));
      break;
    case RunnerState::Phase::kStarting:
      if (stopping_) break;
      return runner_failed(r, "runner failed to start: " +
                                  (rs.protocol_error ? *rs.protocol_error : describe_exit(ev)) +
                                  "\n" + tail_lines(rs.output, 20));
    case RunnerState::Phase::kDraining:
      rs.phase = RunnerState::Phase::kDone;
      if (!exited_ok(ev) && !rs.ending) {
        status_.event(Status::Level::kWarning,
                      "runner " + rs.slot.id + " " + describe_exit(ev) + " after its last file");
      }
      return;
    default:
      break;
  }
  rs.phase = RunnerState::Phase::kDone;
  if (!stopping_ && !queue_.empty()) {
    status_.event(Status::Level::kInfo, "runner " + rs.slot.id + ": restarting");
    ++rs.restarts;
    start_runner(r);
  }
}

void EngineRun::crash_in_flight(std::size_t r, const std::string& why) {
  RunnerState& rs = runners_[r];
  Item& item = items_[*rs.item];
  FileResult result = base_result(r, item);
  if (stopping_) {
    // The run was stopped under this file: it did not get to finish, so it did not run.
    item.attempts = std::max(0, item.attempts - 1);
    rs.item.reset();
    rs.output.clear();
    rs.record.reset();
    rs.marker_seen = false;
    return;
  }
  if (rs.timed_out) {
    result.status = FileStatus::kTimeout;
    result.error = "timed out after " + format_seconds(options_.timeout_seconds) +
                   "; its process group was killed";
    rs.timed_out = false;
    return finish_item(r, std::move(result));
  }
  if (item.attempts < options_.max_attempts) {
    status_.event(Status::Level::kWarning, "runner " + rs.slot.id + ": " + why + " while running " +
                                               item.file.path + "; requeued (attempt " +
                                               std::to_string(item.attempts) + " of " +
                                               std::to_string(options_.max_attempts) + ")");
    queue_.push_front(*rs.item);
    rs.item.reset();
    rs.output.clear();
    rs.record.reset();
    rs.marker_seen = false;
    return;
  }
  result.status = FileStatus::kError;
  result.errors = 1;
  result.error = why + " while running this file (attempt " + std::to_string(item.attempts) + " of " +
                 std::to_string(options_.max_attempts) + ")";
  finish_item(r, std::move(result));
}

void EngineRun::runner_failed(std::size_t r, const std::string& why) {
  RunnerState& rs = runners_[r];
  rs.phase = RunnerState::Phase::kDone;
  rs.failure = why;
  status_.event(Status::Level::kError, "runner " + rs.slot.id + " left out: " + why);
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
