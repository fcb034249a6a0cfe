// What runners say (handshake, records, output), how they end (exit, crash, timeout), and what
// becomes of each try (its result, a rerun, a requeue). Handing out work is in dispatch.cc.
#include <algorithm>

#include "runner/protocol.h"
#include "schedule/engine_run.h"

namespace dt {
namespace {

// An event's scratch list, taken from where it is kept between events (emptied, its capacity
// kept) and put back after: an event allocates no list. A nested use would find the place
// empty and start a list of its own.
template <typename T>
struct Scratch {
  explicit Scratch(std::vector<T>& home) : home(home), list(std::move(home)) { list.clear(); }
  ~Scratch() { home = std::move(list); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::vector<T>& home;
  std::vector<T> list;
};

}  // namespace

void EngineRun::on_runner_stdout(std::size_t r, const std::string& data) {
  RunnerState& rs = runners_[r];
  Scratch<RecordParser::Message> scratch(messages_);
  std::vector<RecordParser::Message>& messages = scratch.list;
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
          set_phase(r, RunnerState::Phase::kIdle);
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
        // Its output is complete already (the marker came first): the record is the result,
        // built where the parser left it, not first kept in the runner's state.
        if (rs.marker_seen && !rs.timed_out) {
          finish_file(r, m.result);
          break;
        }
        rs.record = std::make_unique<FileResult>(std::move(m.result));
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
  Scratch<std::string> scratch(segments_);
  std::vector<std::string>& segments = scratch.list;
  rs.splitter.feed(data, segments);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    // A file's output, or what the runner says while it tears down after its last file.
    if ((rs.phase == RunnerState::Phase::kBusy && !rs.marker_seen) ||
        rs.phase == RunnerState::Phase::kDraining) {
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
  // Past its deadline, a file is a timeout even if it finishes in the kill grace; its runner's
  // exit reports it.
  if (rs.timed_out) return;
  finish_file(r, *rs.record);
}

// The record (status, counts, cases, message, its own duration) with what the master knows put
// over the rest, where it is: one result built per file, and moved once, into results_.
void EngineRun::finish_file(std::size_t r, FileResult& result) {
  Item& item = items_[*runners_[r].item];
  double reported_seconds = result.duration_seconds;
  fill_master_fields(r, item, result);
  if (reported_seconds > 0) result.duration_seconds = reported_seconds;
  if (result.status == FileStatus::kFailed && item.reruns < options_.retries && !stopping_) {
    return rerun(r, result);
  }
  if (item.reruns > 0 && result.status == FileStatus::kPassed) {
    result.flaky = true;
    result.error() = retries_of(item).first_failure;
  }
  bool fresh = item.file->fresh_session;
  finish_item(r, std::move(result));
  set_phase(r, RunnerState::Phase::kIdle);
  if (fresh && !stopping_) recycle_runner(r);  // nothing else shares its session
  dispatch_idle();
}

// --retry: the failed file goes back to the front of the queue, for another runner. `failed`
// may be the runner's record: it is used before that is reset.
void EngineRun::rerun(std::size_t r, const FileResult& failed) {
  RunnerState& rs = runners_[r];
  Item& item = items_[*rs.item];
  ++item.reruns;
  Retries& retries = retries_of(item);
  retries.avoid_runner = rs.slot.id;
  retries.avoid_node = rs.slot.node;
  if (retries.first_failure.empty()) {
    retries.first_failure = "failed on " + rs.slot.id + " (attempt " +
                            std::to_string(item.attempts) + ")" +
                            (failed.cases().empty() ? "" : ": " + first_failed_case(failed));
  }
  record_attempt(r, "failed", failed.cases().empty() ? failed.error() : first_failed_case(failed));
  status_.event(Status::Level::kWarning,
                work_label(item.file->path, item.file->selection) + " failed on " + rs.slot.id + "; rerunning it elsewhere (rerun " +
                    std::to_string(item.reruns) + " of " + std::to_string(options_.retries) + ")");
  queue_.push_front(*rs.item);
  rs.item.reset();
  rs.record.reset();
  rs.marker_seen = false;
  rs.deadline.reset();
  rs.output.clear();
  set_phase(r, RunnerState::Phase::kIdle);
  dispatch_idle();
}

FileResult EngineRun::base_result(std::size_t r, const Item& item) const {
  FileResult result;
  fill_master_fields(r, item, result);
  return result;
}

// What the master knows of a try: the item, where and when it ran, its output.
void EngineRun::fill_master_fields(std::size_t r, const Item& item, FileResult& result) const {
  const RunnerState& rs = runners_[r];
  result.path = item.file->path;
  result.selection = item.file->selection;
  result.node = rs.node_name;
  result.runner = rs.runner_name;
  result.attempts = item.attempts;
  result.started_seconds = since_start(rs.file_started);
  result.duration_seconds = std::chrono::duration<double>(transport_.now() - rs.file_started).count();
  result.set_output(rs.output);
  if (item.retries) result.earlier_attempts() = item.retries->earlier_attempts;
}

EngineRun::Retries& EngineRun::retries_of(Item& item) {
  if (!item.retries) item.retries = std::make_unique<Retries>();
  return *item.retries;
}

// The timeline shows where a file's time went, lost tries included.
void EngineRun::record_attempt(std::size_t r, const std::string& outcome, const std::string& why) {
  const RunnerState& rs = runners_[r];
  Item& item = items_[*rs.item];
  retries_of(item).earlier_attempts.push_back(
      AttemptResult{rs.slot.node, rs.slot.id, since_start(rs.file_started),
                    std::chrono::duration<double>(transport_.now() - rs.file_started).count(),
                    outcome, why});
}

// The reports show output only for files that did not pass; the run log has all of it. Past
// max_kept_output_bytes in all, only a short tail is kept, so a run of many failing, chatty
// files cannot grow the master without bound.
void EngineRun::keep_output_if_needed(FileResult& result) {
  if (result.status == FileStatus::kPassed) {
    result.set_output("");
    return;
  }
  constexpr std::size_t kTailOverBudget = 16 * 1024;
  if (kept_output_bytes_ + result.output().size() > options_.max_kept_output_bytes) {
    std::string full = std::move(result.output());
    result.output().clear();
    append_bounded(result.output(), full, kTailOverBudget);
  }
  kept_output_bytes_ += result.output().size();
}

// `result` may be the runner's record itself: it is moved into results_ before that is reset.
void EngineRun::finish_item(std::size_t r, FileResult&& result) {
  RunnerState& rs = runners_[r];
  std::size_t i = *rs.item;
  Item& item = items_[i];
  keep_output_if_needed(result);
  const FileResult& done = results_.emplace_back(std::move(result));
  rs.item.reset();
  rs.record.reset();
  rs.marker_seen = false;
  rs.deadline.reset();
  rs.output.clear();
  item.finished = true;
  ++finished_;
  if (is_failure(done.status)) ++failed_;
  report_eta();
  status_.file_finished(done, finished_, static_cast<int>(items_.size()), failed_);
  if (options_.fail_fast > 0 && failed_ >= options_.fail_fast && !stopping_) {
    fail_fast_triggered_ = true;
    stop("fail-fast: " + std::to_string(failed_) + " file(s) failed");
  }
  if (finished_ == static_cast<int>(items_.size())) wind_down();
}

void EngineRun::on_deadline(std::size_t r) {
  RunnerState& rs = runners_[r];
  rs.deadline.reset();
  if (rs.phase == RunnerState::Phase::kBusy) {
    rs.timed_out = true;
    status_.event(Status::Level::kWarning, "runner " + rs.slot.id + ": " +
                                               work_label(items_[*rs.item].file->path, items_[*rs.item].file->selection) + " timed out after " +
                                               format_seconds(options_.timeout_seconds));
  } else if (rs.phase == RunnerState::Phase::kStarting) {
    rs.protocol_error = "no handshake within " + format_seconds(options_.startup_timeout_seconds);
  } else if (rs.phase == RunnerState::Phase::kSetup) {
    rs.timed_out = true;
    status_.event(Status::Level::kWarning, "runner " + rs.slot.id + ": runner_setup timed out after " +
                                               format_seconds(options_.hook_timeout_seconds) +
                                               "; ending it");
    transport_.terminate(rs.process);
    return;  // not `ending`: its exit reports the failed hook
  } else if (rs.phase == RunnerState::Phase::kDraining) {
    std::string output = output_tail(rs.output);
    status_.event(Status::Level::kWarning,
                  "runner " + rs.slot.id + " did not exit within " +
                      format_seconds(options_.teardown_timeout_seconds) +
                      " after its last file (teardown_timeout); ending it" +
                      (output.empty() ? "" : "\n" + output));
  }
  rs.ending = true;
  transport_.terminate(rs.process);
}

void EngineRun::on_runner_exit(std::size_t r, const TransportEvent& ev) {
  RunnerState& rs = runners_[r];
  if (ev.node_lost) node_lost(rs.slot.node, ev.error);
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
      if (rs.record && !rs.protocol_error && !rs.timed_out) {
        rs.marker_seen = true;  // the record arrived; only the marker was lost with the process
        maybe_finish_file(r);
        set_phase(r, RunnerState::Phase::kIdle);
        break;
      }
      crash_in_flight(r,
                      rs.protocol_error ? "protocol error: " + *rs.protocol_error
                                        : "runner " + describe_exit(ev),
                      ev.node_lost);
      break;
    case RunnerState::Phase::kStarting:
      if (stopping_ || work_done_) break;
      return start_failed(r, ev);
    case RunnerState::Phase::kDraining: {
      set_phase(r, RunnerState::Phase::kDone);
      rs.teardowns.push_back(TeardownSpan{
          since_start(rs.told_no_more_work),
          std::chrono::duration<double>(transport_.now() - rs.told_no_more_work).count()});
      std::string output = output_tail(rs.output);
      rs.output.clear();
      // Its teardown (after(:suite), at_exit) failed: the runner's, not any file's.
      if (!exited_ok(ev) && !rs.ending) {
        status_.event(Status::Level::kWarning, "runner " + rs.slot.id + " " + describe_exit(ev) +
                                                   " after its last file" +
                                                   (output.empty() ? "" : "\n" + output));
      }
      if (rs.recycle && !stopping_ && queue_.size() > fresh_processes_waiting()) start_runner(r);
      return;
    }
    default:
      break;
  }
  set_phase(r, RunnerState::Phase::kDone);
  if (ev.node_lost) return runner_failed(r, "its node was lost: " + ev.error);
  if (!stopping_ && !queue_.empty()) {
    status_.event(Status::Level::kInfo, "runner " + rs.slot.id + ": restarting");
    ++rs.restarts;
    start_runner(r);
  }
  dispatch_idle();  // if that was the last file in flight, the idle runners can go
}

void EngineRun::crash_in_flight(std::size_t r, const std::string& why, bool node_lost) {
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
    // It was over at the deadline; ending its process group remotely takes a moment more.
    result.duration_seconds = options_.timeout_seconds;
    result.error() = "timed out after " + format_seconds(options_.timeout_seconds) +
                   "; its process group was killed";
    rs.timed_out = false;
    return finish_item(r, std::move(result));
  }
  // A node's link is far more often the network or the machine than the file: such a try does
  // not use up max_attempts (nodes killed together can hand a file from one dead node to another
  // not yet seen dead). A file under which kMaxNodeLosses nodes went is not tried again, so
  // that a file that takes its node down cannot take the whole fleet.
  bool try_again =
      node_lost ? ++item.node_losses < kMaxNodeLosses : item.attempts < last_attempt(item);
  if (try_again) return requeue(r, why);
  result.status = FileStatus::kError;
  result.errors = 1;
  result.error() = why + " while running this file (attempt " + std::to_string(item.attempts) +
                 (node_lost ? "); " + std::to_string(kMaxNodeLosses) +
                                  " nodes were lost under it, so it is not tried again"
                            : " of " + std::to_string(last_attempt(item)) + ")");
  finish_item(r, std::move(result));
}

void EngineRun::requeue(std::size_t r, const std::string& why) {
  RunnerState& rs = runners_[r];
  const Item& item = items_[*rs.item];
  status_.event(Status::Level::kWarning,
                "runner " + rs.slot.id + ": " + why + " while running " +
                    work_label(item.file->path, item.file->selection) + "; requeued (attempt " +
                    std::to_string(item.attempts) + " of " +
                    std::to_string(last_attempt(item)) + ")");
  record_attempt(r, "requeued", why);
  queue_.push_front(*rs.item);
  rs.item.reset();
  rs.output.clear();
  rs.record.reset();
  rs.marker_seen = false;
  set_phase(r, RunnerState::Phase::kDone);  // not busy any more, so an idle runner takes it
  dispatch_idle();
}

}  // namespace dt
