// The engine's view of one runner slot: a small state machine, plus the protocol state of the
// process currently in the slot. Internal to the schedule module.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "report/result.h"
#include "runner/protocol.h"
#include "schedule/engine.h"
#include "transport/transport.h"

namespace dt {

struct RunnerState {
  enum class Phase {
    kWaiting,   // its node is still running node_setup
    kSetup,     // runner_setup is running
    kStarting,  // the runner process started; no handshake yet
    kIdle,      // ready for a file
    kBusy,      // a file is in flight
    kDraining,  // stdin closed, waiting for it to exit
    kDone,      // gone for good (or between a crash and its restart)
  };

  explicit RunnerState(const RunnerSlot& s) : node_name(s.node), runner_name(s.id), slot(s) {}

  // A fresh process takes the slot: forget the old one's protocol state.
  void reset_protocol() {
    parser = RecordParser();
    splitter = OutputSplitter();
    record.reset();
    marker_seen = false;
    protocol_error.reset();
    timed_out = false;
    ending = false;
    output.clear();
    files_in_process = 0;
    recycle = false;
  }

  // It has files now or may get some later: not gone for good, left out or on a lost node. (A
  // runner being ended after a timeout still counts: it is restarted.)
  bool may_get_work() const {
    return failure.empty() && !node_lost && phase != Phase::kDone &&
           (phase != Phase::kDraining || recycle);
  }

  // What every file touches comes first, so that it shares as few cache lines as it can: a
  // fleet's engine visits a different runner at each event, and its state is cold by then.
  Phase phase = Phase::kWaiting;  // written only by EngineRun::set_phase(), which counts phases
  int process = -1;
  std::optional<std::size_t> item;        // the file in flight
  Clock::time_point file_started;
  double item_expected_seconds = 0;       // its plan's estimate, for eta_seconds()
  std::optional<Clock::time_point> deadline;  // set by EngineRun::set_deadline(), which queues it
  // Its result record, when that came before the end marker (else it is the result at once).
  // Behind a pointer: most records never wait here, and a result is most of a runner's state.
  std::unique_ptr<FileResult> record;
  bool marker_seen = false;               // its output is complete
  bool timed_out = false;
  bool ending = false;                    // we asked it to end; its exit is no surprise
  bool node_lost = false;                 // its node's link broke: it takes no more work
  bool recycle = false;                   // being ended for a fresh process (session_per_file)
  int files_in_process = 0;               // files the current process has taken
  // slot.node and slot.id, made once for the results that carry them (making one takes a lock).
  Interned node_name;
  Interned runner_name;
  RecordParser parser;
  OutputSplitter splitter;
  std::string output;                     // its output so far (or a hook's)
  RunnerSlot slot;

  std::optional<std::string> protocol_error;
  int restarts = 0;
  std::vector<TeardownSpan> teardowns;
  Clock::time_point told_no_more_work;    // when end_runner() sent the empty line
  std::string failure;                    // why the slot was left out, if it was
  std::string start_cause;                // when that was a failed start: its one-line cause
};

// Appends `data` to `buffer`, keeping at most `limit` bytes: the tail, which is where
// frameworks print their failure summaries. A note says how much was dropped.
void append_bounded(std::string& buffer, std::string_view data, std::size_t limit);
// The last 20 lines of a process's output, without the final newline: what a message about
// its failure quotes.
std::string output_tail(std::string_view output);
// "2.5s", "90s".
std::string format_seconds(double seconds);

// How a process ended, in words: "exited with status 3", "killed by signal 11 (SIGSEGV)".
std::string describe_exit(const TransportEvent& ev);
bool exited_ok(const TransportEvent& ev);
// "name: first line of its message" of a file's first failed case.
std::string first_failed_case(const FileResult& result);
// Failed, errored and timed-out files count towards --fail-fast.
bool is_failure(FileStatus status);


}  // namespace dt
