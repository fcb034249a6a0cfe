#include "transport/cpu_count.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace dt {

// nproc, not the machine's total: a process pinned by taskset or a cpuset sees only its CPUs.
// A cgroup quota is not in the affinity mask, so the script also walks the process's own
// groups up to the mount root (a parent's limit binds the children too) and keeps the
// tightest: cgroup v2 cpu.max ("max 100000" or "150000 100000"), v1 cpu.cfs_quota_us over
// cpu.cfs_period_us (-1 = none), in whatever directory the v1 cpu controller is mounted.
const char* const kCpuProbeScript = R"SH(r=${1:-}
cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)
best=0
consider() {
  case $1 in ''|max|-*) return ;; esac
  [ "${2:-0}" -gt 0 ] 2>/dev/null || return 0
  q=$(( ($1 + $2 - 1) / $2 ))
  [ "$q" -ge 1 ] || q=1
  if [ "$best" -eq 0 ] || [ "$q" -lt "$best" ]; then best=$q; fi
}
walk() {
  d=$2
  while :; do
    f=$1$d
    if [ -r "$f/cpu.max" ]; then
      read -r q p < "$f/cpu.max" && consider "$q" "$p"
    elif [ -r "$f/cpu.cfs_quota_us" ] && [ -r "$f/cpu.cfs_period_us" ]; then
      read -r q < "$f/cpu.cfs_quota_us" && read -r p < "$f/cpu.cfs_period_us" && consider "$q" "$p"
    fi
    case $d in ''|/) break ;; esac
    d=${d%/*}
  done
}
if [ -r "$r/proc/self/cgroup" ]; then
  while IFS=: read -r id ctrl path; do
    if [ -z "$ctrl" ]; then
      walk "$r/sys/fs/cgroup" "$path"
      walk "$r/sys/fs/cgroup/unified" "$path"
    else
      case ,$ctrl, in *,cpu,*) walk "$r/sys/fs/cgroup/$ctrl" "$path" ;; esac
    fi
  done < "$r/proc/self/cgroup"
fi
load=0
[ -r "$r/proc/loadavg" ] && read -r load rest < "$r/proc/loadavg"
echo "${cpus:-1} $best ${load:-0}"
)SH";

std::optional<CpuCount> parse_cpu_count(std::string_view text) {
  std::istringstream in{std::string(text)};
  CpuCount c;
  if (!(in >> c.cpus >> c.quota >> c.load)) return std::nullopt;
  std::string rest;
  if (in >> rest) return std::nullopt;
  if (c.cpus < 1 || c.quota < 0 || !std::isfinite(c.load) || c.load < 0) return std::nullopt;
  return c;
}

int usable_cpus(const CpuCount& c) { return c.quota > 0 ? std::min(c.cpus, c.quota) : c.cpus; }

int idle_cpus(const CpuCount& c) {
  int busy = static_cast<int>(std::lround(c.load));
  return std::max(1, usable_cpus(c) - busy);
}

std::string describe_cpu_count(const CpuCount& c) {
  std::string out = std::to_string(c.cpus) + (c.cpus == 1 ? " CPU" : " CPUs");
  if (c.quota > 0) out += " (cgroup quota " + std::to_string(c.quota) + ")";
  char load[32];
  std::snprintf(load, sizeof load, "%.3g", c.load);
  return out + ", load " + load;
}

namespace {

int affinity_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace

CpuCount local_cpu_count() {
  std::string out;
  if (FILE* p = popen(kCpuProbeScript, "r")) {
    char buf[256];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  if (std::optional<CpuCount> c = parse_cpu_count(out)) return *c;
  return CpuCount{affinity_cpus(), 0, 0};
}

}  // namespace dt
