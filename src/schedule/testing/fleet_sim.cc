#include "schedule/testing/fleet_sim.h"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <random>
#include <functional>
#include <map>

#include "report/testing/quiet_status.h"
#include "runner/protocol.h"
#include "schedule/engine.h"
#include "transport/testing/fake_transport.h"

namespace dt {
namespace {

constexpr std::size_t kIndexDigits = 7;

// "t/f0000042.py": short enough for the small-string buffer, as most real paths are not; the
// index in the name is how the fake runner finds a file's duration without a map of a million.
std::string fleet_path(std::size_t index) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof digits, index).ptr;
  auto n = static_cast<std::size_t>(end - digits);
  std::string path = "t/f";
  path.append(n < kIndexDigits ? kIndexDigits - n : 0, '0').append(digits, n).append(".py");
  return path;
}

// The index in a fleet path, or -1 for anything else.
long fleet_index(std::string_view path) {
  if (path.size() != 3 + kIndexDigits + 3 || !path.starts_with("t/f")) return -1;
  long index = 0;
  for (std::size_t i = 3; i < 3 + kIndexDigits; ++i) {
    char c = path[i];
    if (c < '0' || c > '9') return -1;
    index = index * 10 + (c - '0');
  }
  return index;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// A long file as one complete run of it recorded it: `examples` of lognormal weight, scaled so
// the file takes `seconds`, `setup` of it spent loading.
FileResult long_file_run(const std::string& path, double seconds, const FleetSpec& spec,
                         std::mt19937_64& rng) {
  std::lognormal_distribution<double> weight(0, 1);
  std::vector<double> weights;
  double sum = 0;
  for (int i = 0; i < spec.long_examples; ++i) sum += weights.emplace_back(weight(rng));
  FileResult f;
  f.path = path;
  f.status = FileStatus::kPassed;
  f.duration_seconds = seconds;
  f.examples = spec.long_examples;
  double scale = (seconds - spec.long_setup_seconds) / sum;
  for (int i = 0; i < spec.long_examples; ++i) {
    CaseResult c;
    c.id = path + "::test_" + std::to_string(i);
    c.status = "passed";
    c.duration_seconds = weights[static_cast<std::size_t>(i)] * scale;
    f.cases().push_back(std::move(c));
  }
  return f;
}

struct Fleet {
  std::vector<NodeSlot> nodes;
  std::vector<RunnerSlot> runners;
};

Fleet make_fleet(const FleetSpec& spec) {
  Fleet fleet;
  int index = 0;
  for (int n = 0; n < spec.nodes; ++n) {
    std::string node = "n" + std::to_string(n + 1);
    fleet.nodes.push_back(NodeSlot{node, node + ".fleet", "/srv/dt", {}});
    for (int r = 1; r <= spec.runners_per_node; ++r) {
      ++index;
      fleet.runners.push_back(RunnerSlot{node + "_" + std::to_string(r), index, node,
                                         {{"DISTRIBUTEST_RUNNER_INDEX", std::to_string(index)}},
                                         {"fake-runner"}});
    }
  }
  return fleet;
}

// The fake runner's answer to each stdin line: a whole file takes its suite duration; a part
// what the planner expects of it (the history is exact, so that is what it takes). Lines come
// in the plan's order unless a file is rerun or requeued, so each is first looked for where the
// last one was found: the plan-ordered copy of the durations is read in order, where the
// suite's, by path, would be a cache miss for every line of a million.
std::function<FakeFile(std::string_view)> fleet_script(const FleetSuite& suite,
                                                          const std::vector<PlannedFile>& items) {
  struct Lookup {
    std::map<std::string, double, std::less<>> part_seconds;  // by work line
    std::vector<long> index;        // the plan's items: fleet_index() of a whole file, else -1
    std::vector<double> seconds;    // ... and its suite duration
    std::size_t next = 0;           // where the next line is looked for first
  };
  auto lookup = std::make_shared<Lookup>();
  lookup->index.reserve(items.size());
  lookup->seconds.reserve(items.size());
  for (const PlannedFile& item : items) {
    long index = item.selection.whole() ? fleet_index(item.path) : -1;
    bool known = index >= 0 && static_cast<std::size_t>(index) < suite.seconds.size();
    lookup->index.push_back(known ? index : -1);
    if (item.selection.whole()) continue;
    std::string line = work_line(item.path, item.selection);
    line.pop_back();  // the newline
    lookup->part_seconds[line] = item.expected_seconds;
  }
  // The plan's order is random by path index: each duration is asked for some ahead, so that
  // the cache misses overlap.
  constexpr std::size_t kAhead = 16;
  const std::vector<long>& index = lookup->index;
  for (std::size_t k = 0; k < index.size(); ++k) {
    if (k + kAhead < index.size() && index[k + kAhead] >= 0) {
      __builtin_prefetch(&suite.seconds[static_cast<std::size_t>(index[k + kAhead])]);
    }
    lookup->seconds.push_back(index[k] >= 0 ? suite.seconds[static_cast<std::size_t>(index[k])] : 0);
  }
  return [&suite, lookup](std::string_view line) {
    Lookup& l = *lookup;
    FakeFile f;
    long index = fleet_index(line);
    bool in_order = l.next < l.index.size() && l.index[l.next] == index;
    if (in_order && index >= 0) {
      f.seconds = l.seconds[l.next++];
      return f;
    }
    if (in_order) ++l.next;  // a part where the plan has one: its time is looked up below
    if (index >= 0 && static_cast<std::size_t>(index) < suite.seconds.size()) {
      f.seconds = suite.seconds[static_cast<std::size_t>(index)];
    } else if (auto it = l.part_seconds.find(line); it != l.part_seconds.end()) {
      f.seconds = it->second;
    } else {
      f.status = "error";  // not a line the plan holds: check_results() reports it
    }
    return f;
  };
}

// Every file once, passed; a split file with exactly its planned parts, each once.
std::string check_results(const RunResult& result, const FleetSuite& suite,
                          const std::vector<PlannedFile>& items) {
  std::vector<int> planned_parts(suite.paths.size(), 0);
  for (const PlannedFile& item : items) {
    long index = fleet_index(item.path);
    if (index < 0) return "the plan holds an unknown path " + item.path;
    if (!item.selection.whole()) ++planned_parts[static_cast<std::size_t>(index)];
  }
  std::vector<int> results(suite.paths.size(), 0);
  std::size_t item_results = 0;
  for (const FileResult& f : result.files) {
    long index = fleet_index(f.path);
    if (index < 0) return "a result for an unknown path " + f.path;
    if (f.status != FileStatus::kPassed) {
      return f.path + " " + to_string(f.status) + ": " + f.error();
    }
    auto i = static_cast<std::size_t>(index);
    if (++results[i] > 1) return f.path + " has more than one result";
    if (static_cast<int>(f.parts().size()) != planned_parts[i]) {
      return f.path + " came back in " + std::to_string(f.parts().size()) + " part(s), planned " +
             std::to_string(planned_parts[i]);
    }
    for (std::size_t p = 0; p < f.parts().size(); ++p) {
      if (f.parts()[p].selection.part != static_cast<int>(p) + 1) return f.path + ": a part twice";
    }
    item_results += f.parts().empty() ? 1 : f.parts().size();
  }
  if (result.files.size() != suite.paths.size() || item_results != items.size()) {
    return std::to_string(item_results) + " results for " + std::to_string(items.size()) +
           " work items of " + std::to_string(suite.paths.size()) + " files";
  }
  return "";
}

}  // namespace

FleetSuite make_fleet_suite(const FleetSpec& spec) {
  FleetSuite suite;
  std::mt19937_64 rng(spec.seed);
  std::lognormal_distribution<double> duration(std::log(spec.median_seconds), spec.sigma);
  std::size_t long_files = std::min<std::size_t>(static_cast<std::size_t>(spec.long_files), spec.files);
  std::size_t stride = long_files > 0 ? spec.files / long_files : 0;
  auto is_long = [&](std::size_t i) { return stride > 0 && i % stride == stride / 2 && i / stride < long_files; };
  double ordinary = 0;
  suite.paths.reserve(spec.files);
  suite.store.reserve(spec.files);
  suite.seconds.reserve(spec.files);
  for (std::size_t i = 0; i < spec.files; ++i) {
    suite.paths.push_back(fleet_path(i));
    // Whole milliseconds: the report's numbers read as a real run's would.
    double seconds = is_long(i) ? 0 : std::max(0.001, std::round(duration(rng) * 1000) / 1000);
    suite.seconds.push_back(seconds);
    ordinary += seconds;
  }
  double share = ordinary / std::max(1, spec.runners());
  RunResult long_runs;
  std::size_t k = 0;
  for (std::size_t i = 0; i < spec.files; ++i) {
    if (!is_long(i)) {
      suite.store.record(suite.paths[i], suite.seconds[i]);
      continue;
    }
    double shares = spec.longest_shares * (1 - static_cast<double>(k++) / (2.0 * long_files));
    suite.seconds[i] = std::max(spec.long_setup_seconds + 1, std::round(shares * share));
    long_runs.files.push_back(long_file_run(suite.paths[i], suite.seconds[i], spec, rng));
  }
  suite.store.record_run(long_runs);
  return suite;
}

std::vector<PlannedFile> plan_fleet(const FleetSuite& suite, int runners) {
  std::vector<PlannedFile> planned = plan_files("/nonexistent/fleet-project", suite.paths, suite.store);
  return split_slow_files(std::move(planned), suite.store, runners);
}

FleetOutcome run_fleet(const FleetSpec& spec, const FleetSuite& suite,
                       const std::vector<PlannedFile>& items) {
  Fleet fleet = make_fleet(spec);
  FakeTransport transport;
  transport.file_script = fleet_script(suite, items);
  transport.keep_dispatched = false;
  QuietStatus status;
  Engine engine(transport, status, EngineOptions{});
  FleetOutcome out;
  RunResult result = engine.run(fleet.nodes, fleet.runners, items);
  out.work = engine.last_run_work();

  out.files = suite.paths.size();
  out.items = items.size();
  out.runners = static_cast<int>(fleet.runners.size());
  out.split_files = result.summary.split_files;
  out.parts = result.summary.parts;
  out.makespan_seconds = result.summary.wall_seconds;
  std::vector<double> durations;
  durations.reserve(items.size());
  for (const PlannedFile& item : items) durations.push_back(item.expected_seconds);
  for (double d : durations) {
    out.total_seconds += d;
    out.longest_item_seconds = std::max(out.longest_item_seconds, d);
  }
  out.lower_bound_seconds = lower_bound(durations, out.runners);
  out.problem = check_results(result, suite, items);
  if (out.problem.empty() && transport.dispatch_count != items.size()) {
    out.problem = std::to_string(transport.dispatch_count) + " dispatches for " +
                  std::to_string(items.size()) + " work items";
  }
  if (out.problem.empty() && !status.first_error.empty()) out.problem = status.first_error;
  if (out.problem.empty() && transport.deadlocked) out.problem = "the engine waited forever";
  return out;
}

FleetOutcome simulate_fleet(const FleetSpec& spec) {
  double start = cpu_seconds();
  FleetSuite suite = make_fleet_suite(spec);
  double suite_done = cpu_seconds();
  std::vector<PlannedFile> items = plan_fleet(suite, spec.runners());
  double plan_done = cpu_seconds();
  FleetOutcome out = run_fleet(spec, suite, items);
  out.suite_cpu_seconds = suite_done - start;
  out.plan_cpu_seconds = plan_done - suite_done;
  out.run_cpu_seconds = cpu_seconds() - plan_done;
  return out;
}

}  // namespace dt
