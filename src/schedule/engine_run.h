// The state of one run of the engine: the queue, every runner's state machine, and what each
// process id stands for. Internal to the schedule module; engine.cc drives the run and its
// hooks, runner_events.cc handles what runners say and how they end.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/status.h"
#include "schedule/engine.h"
#include "schedule/runner_state.h"
#include "transport/transport.h"

namespace dt {

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
    int reruns = 0;            // --retry reruns so far
    std::string avoid_runner;  // a rerun goes elsewhere: not to the runner that failed it
    std::string avoid_node;    // ... and to another node when there is one
    std::string first_failure; // what the first failed attempt said, for a flaky pass
    std::vector<AttemptResult> earlier_attempts;
    bool finished = false;
    FileResult result;
  };
  struct NodeState {
    std::string status;       // "" while setting up, "ok", or why it failed or was not used
    double lost_at = -1;      // seconds into the run; < 0 while not lost
    int setup_process = -1;   // its node_setup, while that runs
    std::optional<Clock::time_point> setup_deadline;
    bool setup_timed_out = false;
    std::string setup_output;
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
  void dispatch_idle();
  void rerun(std::size_t r, const FileResult& failed);
  bool may_take(std::size_t r, const Item& item) const;
  void node_lost(const std::string& node, const std::string& why);
  void maybe_finish_file(std::size_t r);
  void finish_item(std::size_t r, FileResult result);
  void keep_output_if_needed(FileResult& result);
  void crash_in_flight(std::size_t r, const std::string& why);
  void record_attempt(std::size_t r, const std::string& outcome, const std::string& why);
  void runner_failed(std::size_t r, const std::string& why);
  void stop(const std::string& why);
  void end_runner(std::size_t r);
  void recycle_runner(std::size_t r);
  bool fresh_processes_wanted(std::size_t r) const;
  std::size_t fresh_processes_waiting() const;
  void wind_down();
  void check_stranded();
  void on_node_deadline(std::size_t n);

  bool done() const;
  Clock::time_point next_deadline() const;
  std::optional<Clock::time_point> hook_deadline() const;  // from now, for a hook starting now
  FileResult base_result(std::size_t r, const Item& item) const;
  double since_start(Clock::time_point t) const;
  double eta_seconds() const;
  const std::vector<std::string>& command_prefix(const std::string& node) const;

  Transport& transport_;
  Status& status_;
  const EngineOptions& options_;
  const std::vector<NodeSlot>& nodes_;
  std::vector<RunnerState> runners_;
  std::vector<NodeState> node_state_;
  bool eta_from_history_ = false;          // most files have history: eta_seconds() means something
  std::vector<Item> items_;
  std::deque<std::size_t> queue_;
  std::map<int, ProcessInfo> processes_;
  int finished_ = 0;
  int failed_ = 0;
  bool stopping_ = false;
  bool interrupted_ = false;
  bool fail_fast_triggered_ = false;
  bool work_done_ = false;           // every file has its result: what is still starting is not needed
  std::string not_run_reason_;       // why queued files could not run, when the run ended for it
  std::size_t kept_output_bytes_ = 0;  // output kept in results so far (options_.max_kept_output_bytes)
  Clock::time_point started_;
};

}  // namespace dt
