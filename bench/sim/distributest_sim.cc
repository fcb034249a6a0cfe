// distributest_sim: the fleet simulation (src/schedule/testing/fleet_sim.h) as a program, for
// bench/fleet-sim. Plans and runs a synthetic suite on fake runners on a virtual clock and prints
// one `key value` line per figure; exit 0 when every work item ran once and passed, 1 when not,
// 2 for a usage problem.
//
//   distributest_sim [--nodes N] [--runners-per-node N] [--files N] [--long-files N] [--seed N]
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "schedule/testing/fleet_sim.h"

namespace {

bool parse_args(int argc, char** argv, dt::FleetSpec& spec) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    char* end = nullptr;
    long long value = std::strtoll(argv[i + 1], &end, 10);
    if (*end != '\0' || value < 0) return false;
    if (flag == "--nodes") {
      spec.nodes = static_cast<int>(value);
    } else if (flag == "--runners-per-node") {
      spec.runners_per_node = static_cast<int>(value);
    } else if (flag == "--files") {
      spec.files = static_cast<std::size_t>(value);
    } else if (flag == "--long-files") {
      spec.long_files = static_cast<int>(value);
    } else if (flag == "--seed") {
      spec.seed = static_cast<std::uint64_t>(value);
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && spec.nodes > 0 && spec.runners_per_node > 0 && spec.files > 0;
}

}  // namespace

int main(int argc, char** argv) {
  dt::FleetSpec spec;
  if (!parse_args(argc, argv, spec)) {
    std::fprintf(stderr, "usage: distributest_sim [--nodes N] [--runners-per-node N] [--files N] "
                         "[--long-files N] [--seed N]\n");
    return 2;
  }
  dt::FleetOutcome out = dt::simulate_fleet(spec);
  std::printf("files %zu\nitems %zu\nsplit_files %d\nparts %d\nnodes %d\nrunners %d\n", out.files,
              out.items, out.split_files, out.parts, spec.nodes, out.runners);
  double cpu = out.suite_cpu_seconds + out.plan_cpu_seconds + out.run_cpu_seconds;
  std::printf("cpu_seconds %.3f\nsuite_cpu_seconds %.3f\nplan_cpu_seconds %.3f\nrun_cpu_seconds %.3f\n",
              cpu, out.suite_cpu_seconds, out.plan_cpu_seconds, out.run_cpu_seconds);
  std::printf("makespan_seconds %.3f\nlongest_item_seconds %.3f\ntotal_seconds %.3f\n"
              "lower_bound_seconds %.3f\nratio %.4f\n",
              out.makespan_seconds, out.longest_item_seconds, out.total_seconds,
              out.lower_bound_seconds, out.makespan_seconds / out.lower_bound_seconds);
  std::printf("events %zu\nrunner_visits %zu\nestimates %zu\n", out.work.events,
              out.work.runner_visits, out.work.estimates);
  // The whole program's: system time here is mostly first touch of fresh memory (page faults).
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  std::printf("user_seconds %.3f\nsystem_seconds %.3f\npeak_rss_mb %.1f\n", seconds(usage.ru_utime),
              seconds(usage.ru_stime), static_cast<double>(usage.ru_maxrss) / 1024);
  if (!out.problem.empty()) {
    std::fprintf(stderr, "distributest_sim: %s\n", out.problem.c_str());
    return 1;
  }
  return 0;
}
