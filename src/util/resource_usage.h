// What this process has cost so far: CPU (its own, and its reaped children's: rsync, the relays,
// local runners) and peak memory. For the run log, where a fleet's cost per node shows.
#pragma once

#include <string>

namespace dt {

struct ResourceUsage {
  double self_cpu_seconds = 0;      // user + system
  double children_cpu_seconds = 0;  // of the children already waited for
  double peak_rss_mb = 0;           // of this process alone
};

ResourceUsage resource_usage();

// "CPU 0.41 s (itself 0.12 s, the processes it started here 0.29 s), peak RSS 11.2 MB"
std::string describe(const ResourceUsage& usage);

}  // namespace dt
