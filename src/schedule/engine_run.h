// The state of one run of the engine: the queue, every runner's state machine, and what each
// process id stands for. Internal to the schedule module; engine.cc drives the run and its
// hooks, runner_events.cc handles what runners say and how they end (and what becomes of each
// try), dispatch.cc hands queued files to idle runners, engine_tracking.cc keeps the counts and
// queues that spare every event a pass over a fleet's runners.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "report/status.h"
#include "schedule/engine.h"
#include "schedule/process_table.h"
#include "schedule/runner_state.h"
#include "schedule/work_queue.h"
#include "transport/transport.h"

namespace dt {

// One run: the queue, the runners' state machines, and what each process id stands for.
class EngineRun {
 public:
  EngineRun(Transport& transport, Status& status, const EngineOptions& options,
            const std::vector<NodeSlot>& nodes, const std::vector<RunnerSlot>& runners,
            const std::vector<PlannedFile>& files);
  RunResult run();
  const EngineWork& work() const { return work_; }

 private:
  // What a work item went through before its result. Only one that failed (--retry) or lost
  // its runner has any, so the many that pass at once (a fleet's million) carry a null pointer.
  struct Retries {
    std::string avoid_runner;  // a rerun goes elsewhere: not to the runner that failed it
    std::string avoid_node;    // ... and to another node when there is one
    std::string first_failure; // what the first failed attempt said, for a flaky pass
    std::vector<AttemptResult> earlier_attempts;
  };
  struct Item {
    const PlannedFile* file = nullptr;  // in the plan, which outlives the run
    int attempts = 0;
    int reruns = 0;            // --retry reruns so far
    bool finished = false;     // its result is in results_
    std::uint8_t node_losses = 0;  // tries ended by their node's link: not in max_attempts
    std::unique_ptr<Retries> retries;
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
  // When a runner's deadline or a node's node_setup deadline passes. One is queued each time a
  // deadline is set; it is stale once the deadline was reset or set anew, and is then dropped
  // when it comes to the top, so finding the next deadline is not a pass over every runner.
  struct Deadline {
    Clock::time_point at;
    bool node;           // node_state_[index], else runners_[index]
    std::size_t index;
    bool operator>(const Deadline& other) const { return at > other.at; }
  };

  static constexpr std::size_t kNotIdle = static_cast<std::size_t>(-1);

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
  void set_phase(std::size_t r, RunnerState::Phase phase);
  void set_deadline(std::size_t r, std::optional<Clock::time_point> at);
  void set_node_deadline(std::size_t n, std::optional<Clock::time_point> at);
  bool deadline_current(const Deadline& d) const;
  void handle_due_deadlines();
  void report_eta();
  void rerun(std::size_t r, const FileResult& failed);
  bool may_take(std::size_t r, const Item& item) const;
  void node_lost(const std::string& node, const std::string& why);
  void maybe_finish_file(std::size_t r);
  void finish_file(std::size_t r, FileResult& record);  // its record and marker are in
  void finish_item(std::size_t r, FileResult&& result);
  void keep_output_if_needed(FileResult& result);
  void crash_in_flight(std::size_t r, const std::string& why, bool node_lost);
  void requeue(std::size_t r, const std::string& why);
  // The number of the try after which a file whose runner dies is an error: max_attempts,
  // counted past its --retry reruns and the tries lost with a node.
  int last_attempt(const Item& item) const {
    return options_.max_attempts + item.reruns + item.node_losses;
  }
  static constexpr int kMaxNodeLosses = 3;
  void record_attempt(std::size_t r, const std::string& outcome, const std::string& why);
  void runner_failed(std::size_t r, const std::string& why);
  void start_failed(std::size_t r, const TransportEvent& ev);
  void stop(const std::string& why);
  void end_runner(std::size_t r);
  void recycle_runner(std::size_t r);
  bool fresh_processes_wanted(std::size_t r) const;
  std::size_t fresh_processes_waiting() const;
  void wind_down();
  void check_stranded();
  void on_node_deadline(std::size_t n);

  bool done() const;
  Clock::time_point next_deadline();
  std::optional<Clock::time_point> hook_deadline() const;  // from now, for a hook starting now
  FileResult base_result(std::size_t r, const Item& item) const;
  void fill_master_fields(std::size_t r, const Item& item, FileResult& result) const;
  static Retries& retries_of(Item& item);
  std::vector<FileResult> results_in_completion_order();
  double since_start(Clock::time_point t) const;
  double eta_seconds() const;
  const std::vector<std::string>& command_prefix(const std::string& node) const;
  const std::vector<std::size_t>& runners_on(const std::string& node) const;

  Transport& transport_;
  Status& status_;
  const EngineOptions& options_;
  const std::vector<NodeSlot>& nodes_;
  std::vector<RunnerState> runners_;
  std::vector<NodeState> node_state_;
  bool eta_from_history_ = false;          // most files have history: eta_seconds() means something
  std::vector<Item> items_;
  // The results, in the order their items finished. Kept apart from items_ so that the result
  // list is built without a second copy of every result.
  std::vector<FileResult> results_;
  // (runner, item) for each file handed out, in that order: what RunnerResult::work is built
  // from at the end. One list read in plan order, where a list per runner would be written at a
  // cold place for every file, and read back item by item in no order.
  std::vector<std::pair<std::size_t, std::size_t>> handed_out_;
  WorkQueue queue_;
  ProcessTable<ProcessInfo> processes_;  // looked up for every event
  // Scratch lists of one event's records and output segments, kept so that an event allocates
  // none (a fleet has millions of events).
  std::vector<RecordParser::Message> messages_;
  std::vector<std::string> segments_;
  // Kept by set_phase() (the only writer of a runner's phase) and node_lost(), so that a file
  // finishing costs O(1), not a pass over thousands of runners: those in kIdle (unordered), how
  // many of them are on a lost node, and how many runners are in kBusy.
  std::vector<std::size_t> idle_;
  std::vector<std::size_t> idle_at_;  // per runner: its place in idle_, or kNotIdle
  std::size_t idle_on_lost_node_ = 0;
  std::size_t busy_ = 0;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::unordered_map<std::string, std::vector<std::size_t>> runners_on_;  // node name -> runners
  std::unordered_map<std::string, std::size_t> node_index_;  // node name -> its first NodeSlot
  std::optional<Clock::time_point> last_eta_;  // when report_eta() last gave one
  int finished_ = 0;
  int failed_ = 0;
  bool stopping_ = false;
  bool interrupted_ = false;
  bool fail_fast_triggered_ = false;
  bool work_done_ = false;           // every file has its result: what is still starting is not needed
  std::string not_run_reason_;       // why queued files could not run, when the run ended for it
  // Why runners failed to start, each with the first runner that did: shown once each.
  std::map<std::string, std::string> start_causes_;
  std::size_t kept_output_bytes_ = 0;  // output kept in results so far (options_.max_kept_output_bytes)
  Clock::time_point started_;
  mutable EngineWork work_;  // counted by const queries too
};

}  // namespace dt
