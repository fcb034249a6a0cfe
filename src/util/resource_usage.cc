#include "util/resource_usage.h"

#include <sys/resource.h>

#include <cstdio>

namespace dt {

namespace {

double seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

ResourceUsage resource_usage() {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  return {seconds(self), seconds(children), static_cast<double>(self.ru_maxrss) / 1024};
}

std::string describe(const ResourceUsage& usage) {
  char text[160];
  std::snprintf(text, sizeof text,
                "CPU %.3f s (itself %.3f s, the processes it started here %.3f s), peak RSS %.1f MB",
                usage.self_cpu_seconds + usage.children_cpu_seconds, usage.self_cpu_seconds,
                usage.children_cpu_seconds, usage.peak_rss_mb);
  return text;
}

}  // namespace dt
