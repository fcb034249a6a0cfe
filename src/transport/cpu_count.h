// How many CPUs a process may use on a node, and how busy the node is: one POSIX sh probe
// (kCpuProbeScript) run on the node over SSH, or here, printing "CPUS QUOTA LOAD". Behind
// `runners = "auto"` (usable_cpus) and `runners = "idle"` (idle_cpus).
// Kept free of Boost, libssh2, toml++ and spdlog: the CLI and the tests include it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dt {

struct CpuCount {
  int cpus = 1;       // CPUs this process may run on (its affinity: `nproc`)
  int quota = 0;      // the tightest cgroup CPU limit, rounded up; 0 = none
  double load = 0;    // the 1-minute load average
};

// Prints "CPUS QUOTA LOAD" on one line. An optional $1 is a root prefix for /proc and /sys,
// so tests can run it against a fake tree.
extern const char* const kCpuProbeScript;

// The probe's output; nullopt when it is not three sane numbers.
std::optional<CpuCount> parse_cpu_count(std::string_view text);

// The CPUs a runner may really use: the affinity count, capped by the cgroup quota.
int usable_cpus(const CpuCount& c);

// The usable CPUs the load average leaves free, at least 1: a shared workstation keeps its
// owner's busy cores.
int idle_cpus(const CpuCount& c);

// "2 CPUs (cgroup quota 1), load 0.3"
std::string describe_cpu_count(const CpuCount& c);

// Runs the probe on this box (falling back to the affinity count if /bin/sh fails).
CpuCount local_cpu_count();

}  // namespace dt
