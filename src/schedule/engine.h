// The engine: one dynamic queue, longest-expected-first, feeding every runner as soon as it
// is free. It starts hooks and runners through a Transport, speaks the runner protocol, and
// handles crashes (requeue, then error), timeouts, fail-fast and interrupts. It knows nothing
// of where runners live: the same engine drives local processes and SSH channels.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report/result.h"
#include "schedule/plan.h"

namespace dt {

class Status;
class Transport;

struct RunnerSlot {
  std::string id;     // unique, [a-z0-9_]+
  int index = 0;      // 1..N across the run
  std::string node;
  std::map<std::string, std::string> env;  // DISTRIBUTEST_* and TEST_ENV_NUMBER included
  std::vector<std::string> argv;           // the adapter command line on its node
};

struct NodeSlot {
  std::string name;
  std::string host;        // for reports
  std::string remote_dir;  // for reports; empty for the local node
  std::map<std::string, std::string> env;  // for node_setup
  // Put before the argv of every command started on this node, hooks and runners: on a remote
  // node, the shared busy lock of its synced dir, so the next run's sync waits for them all.
  std::vector<std::string> command_prefix = {};
};

struct EngineOptions {
  std::vector<std::string> node_setup;      // empty = none
  std::vector<std::string> runner_setup;    // empty = none; the runner id is appended
  double timeout_seconds = 0;               // per file; 0 = none
  int fail_fast = 0;                        // stop after N files fail; 0 = never
  int max_attempts = 2;                     // tries of a file whose runner died
  int retries = 0;                          // reruns of a failed file, on another runner
  double startup_timeout_seconds = 600;     // for the handshake after a runner starts
  double hook_timeout_seconds = 1800;       // node_setup and runner_setup, each; 0 = none
  double teardown_timeout_seconds = 120;    // a runner's exit after "no more work"
  std::size_t max_output_bytes = 1 << 20;   // per file kept in the result (the log has all)
  // Output is kept only for files that did not pass, and past this much in all only its tail.
  std::size_t max_kept_output_bytes = 64 << 20;
  double refresh_seconds = 0;               // call Status::refresh() this often; 0 = never
};

// What a run took, in steps that do not depend on the machine, so that tests can hold the
// engine to linear work without timing it: an event costs O(1) runner visits, a time-left
// estimate one pass over the runners, and a fleet has thousands of runners and millions of events.
struct EngineWork {
  std::size_t events = 0;         // transport events handled
  std::size_t runner_visits = 0;  // runner states looked at other than the one an event is for
  std::size_t estimates = 0;      // time-left estimates
};

class Engine {
 public:
  Engine(Transport& transport, Status& status, EngineOptions options);

  // Runs `files` (already in dispatch order) on `runners`. Returns every file's result:
  // files never dispatched (fail-fast, interrupt, no runner left) are kNotRun.
  RunResult run(const std::vector<NodeSlot>& nodes, const std::vector<RunnerSlot>& runners,
                const std::vector<PlannedFile>& files);
  const EngineWork& last_run_work() const { return work_; }

 private:
  Transport& transport_;
  Status& status_;
  EngineOptions options_;
  EngineWork work_;
};

}  // namespace dt
