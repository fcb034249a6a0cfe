// `--dry-run`: the plan printed for a person, nothing run. Internal to the cli module.
#pragma once

#include <vector>

#include "config/config.h"
#include "schedule/engine.h"
#include "schedule/plan.h"

namespace dt {

class TimingStore;

// The framework, the runners, the work items in dispatch order (a split file's parts each on a
// line) with their expected durations, and the predicted makespan.
void print_plan(const std::vector<PlannedFile>& files, const std::vector<RunnerSlot>& runners,
                const Config& config);

// The same for a run on `nodes`, whose runner count is only estimated before connecting; the
// files are split for that count as the run would split them.
void print_node_plan(const std::vector<PlannedFile>& files, const std::vector<NodeConfig>& nodes,
                     const Config& config, const TimingStore& store);

}  // namespace dt
