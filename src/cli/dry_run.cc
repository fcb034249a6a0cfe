#include "cli/dry_run.h"

#include <cstdio>
#include <string>

#include "cli/setup.h"
#include "report/result.h"
#include "schedule/timing_store.h"
#include "transport/remote_command.h"

namespace dt {

void print_plan(const std::vector<PlannedFile>& files, const std::vector<RunnerSlot>& runners,
                const Config& config) {
  std::printf("framework: %s (%s)\n", config.framework.value.c_str(),
              config.framework.origin.describe().c_str());
  if (!config.args.value.empty()) {
    std::string words;
    for (const std::string& a : config.args.value) {
      // Two appends, not `" " + shell_quote(a)`: GCC 12 at -O3 warns -Wrestrict on the latter.
      words += ' ';
      words += shell_quote(a);
    }
    std::printf("framework arguments:%s (%s)\n", words.c_str(),
                config.args.origin.describe().c_str());
  }
  std::printf("runners: %zu:", runners.size());
  for (const RunnerSlot& r : runners) std::printf(" %s", r.id.c_str());
  std::printf("\nwork items in dispatch order (%zu):\n", files.size());
  std::vector<double> durations;
  for (const PlannedFile& f : files) {
    std::string label = work_label(f.path, f.selection);
    if (!f.selection.whole()) {
      std::size_t ids = f.selection.ids.size();
      label += f.selection.kind == Selection::Kind::kOnly
                   ? ": " + std::to_string(ids) + " example(s)"
                   : ": every example but the " + std::to_string(ids) + " of its other parts";
    }
    std::printf("  %9.3fs  %-9s  %s\n", f.expected_seconds, f.from_history ? "history" : "estimate",
                label.c_str());
    durations.push_back(f.expected_seconds);
  }
  int n = static_cast<int>(runners.size());
  std::printf("predicted makespan: %.3fs (lower bound %.3fs; serial %.3fs)\n",
              predicted_makespan(files, n), lower_bound(durations, n),
              lower_bound(durations, 1));
}

void print_node_plan(const std::vector<PlannedFile>& files, const std::vector<NodeConfig>& nodes,
                     const Config& config, const TimingStore& store) {
  int runners = 0;
  std::printf("nodes (%zu):\n", nodes.size());
  bool auto_runners = false;
  for (const NodeConfig& n : nodes) {
    int count = node_runners(n, runners_override(config));
    std::printf("  %s  %s@%s:%d  runners: %s\n", n.name.c_str(),
                n.user.empty() ? "(you)" : n.user.c_str(), n.host.c_str(), n.port,
                count > 0                ? std::to_string(count).c_str()
                : count == kRunnersIdle ? "idle (its CPUs its load leaves free)"
                                        : "auto (its CPUs)");
    runners += count > 0 ? count : 1;
    auto_runners |= count <= 0;
  }
  if (auto_runners) {
    std::printf("(a node with runners = \"auto\" is counted as 1 runner here: its cores are "
                "known once connected, and the run plans its parts for them)\n");
  }
  std::vector<RunnerSlot> slots(static_cast<std::size_t>(runners));
  print_plan(config.split.value == "auto" ? split_slow_files(files, store, runners) : files, slots,
             config);
}

}  // namespace dt
