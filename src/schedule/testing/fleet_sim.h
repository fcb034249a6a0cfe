// A fleet on the fake transport's virtual clock: the real planner (plan_files, split_slow_files)
// and the real engine driving thousands of scripted runners through up to millions of work
// items, for bench/fleet-sim (bench/sim/distributest_sim.cc) and the engine's scale test. The
// suite is skewed: most files' durations follow a lognormal spread, and a few long files, each
// longer than an even share of the run, have per-example history so the planner cuts them into
// parts. The history is exact (every file takes what the store says), so the makespan shows the
// schedule alone. Test and bench code only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "schedule/engine.h"
#include "schedule/plan.h"
#include "schedule/timing_store.h"

namespace dt {

struct FleetSpec {
  int nodes = 1250;
  int runners_per_node = 8;
  std::size_t files = 1000000;  // long files included
  double median_seconds = 0.5;  // of the lognormal the ordinary files follow
  double sigma = 1.0;           // its spread, in ln(seconds)
  int long_files = 4;           // each longer than an even share of the run
  double longest_shares = 4;    // the longest long file, in even shares; the others step down
  int long_examples = 100;      // examples per long file, lognormal too
  double long_setup_seconds = 2;  // what loading a long file costs (again for every part)
  std::uint64_t seed = 13;
  int runners() const { return nodes * runners_per_node; }
};

// The suite of a FleetSpec: paths in name order, their durations, and the store that knows them.
struct FleetSuite {
  std::vector<std::string> paths;
  std::vector<double> seconds;  // by path index
  TimingStore store;
};

struct FleetOutcome {
  std::size_t files = 0;      // test files in the suite
  std::size_t items = 0;      // work items after planning: files, or parts of them
  int runners = 0;
  int split_files = 0;        // files the planner cut into parts
  int parts = 0;              // their parts
  double makespan_seconds = 0;     // virtual: the engine's run, first start to last exit
  double longest_item_seconds = 0;
  double total_seconds = 0;        // of all work items, set-ups of extra parts included
  double lower_bound_seconds = 0;  // max(longest item, total / runners)
  EngineWork work;      // the engine's, in machine-independent steps
  std::string problem;  // empty when every item ran once and passed; else what went wrong
  // CPU (user + system) of this process in each step; only bench/fleet-sim looks at these.
  double suite_cpu_seconds = 0;
  double plan_cpu_seconds = 0;
  double run_cpu_seconds = 0;
};

FleetSuite make_fleet_suite(const FleetSpec& spec);
// plan_files and split_slow_files, as a run plans (a project dir with none of the files: the
// store knows them all).
std::vector<PlannedFile> plan_fleet(const FleetSuite& suite, int runners);
// Runs `items` with the engine on spec.nodes x spec.runners_per_node fake runners and checks
// the result; fills every field but the CPU ones.
FleetOutcome run_fleet(const FleetSpec& spec, const FleetSuite& suite,
                       const std::vector<PlannedFile>& items);
// All three, each step's CPU measured.
FleetOutcome simulate_fleet(const FleetSpec& spec);

}  // namespace dt
