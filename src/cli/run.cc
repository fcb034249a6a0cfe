// `distributest [FILES...]`: config → plan → runners ↔ queue → reports.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <filesystem>
#include <iostream>

#include "cli/after_run.h"
#include "cli/cli.h"
#include "cli/dry_run.h"
#include "cli/last_failures.h"
#include "cli/setup.h"
#include "config/config.h"
#include "config/sshlogin.h"
#include "report/run_log.h"
#include "report/status_printer.h"
#include "runner/adapter.h"
#include "runner/detect.h"
#include "schedule/engine.h"
#include "schedule/plan.h"
#include "schedule/timing_store.h"
#include "sync/shipped.h"
#include "transport/real_transport.h"
#include "transport/remote_command.h"
#include "util/resource_usage.h"

namespace dt {

namespace fs = std::filesystem;

namespace {

const Origin kCommandLine{"command line", 0};

// A usage or config problem: printed as is, exit 2.
struct UsageError {
  std::string message;
};

std::optional<UsageError> apply_command_line(const CliOptions& o, Config& c) {
  if (o.runners) {
    if (*o.runners == "auto") {
      c.runners = {kRunnersAuto, kCommandLine};
    } else if (*o.runners == "idle") {
      c.runners = {kRunnersIdle, kCommandLine};
    } else {
      int n = 0;
      try {
        std::size_t used = 0;
        n = std::stoi(*o.runners, &used);
        if (used != o.runners->size()) n = 0;
      } catch (const std::exception&) {
        n = 0;
      }
      if (n < 1) {
        return UsageError{"distributest: --runners must be a positive integer, 'auto' or 'idle' (got '" +
                          *o.runners + "')"};
      }
      c.runners = {n, kCommandLine};
    }
  }
  if (o.framework) c.framework = {*o.framework, kCommandLine};
  if (o.command) c.command = {*o.command, kCommandLine};
  if (o.fail_fast) c.fail_fast = {*o.fail_fast, kCommandLine};
  if (o.timeout) c.timeout = {*o.timeout, kCommandLine};
  if (o.retry) c.retry = {*o.retry, kCommandLine};
  if (o.framework_args) c.args = {*o.framework_args, kCommandLine};
  if (o.no_split) c.split = {"off", kCommandLine};
  return std::nullopt;
}

// Replays and bisects run the items as they ran; the command framework has no examples.
bool splits(const CliOptions& options, const Config& config) {
  return !options.in_order && config.split.value == "auto" && config.framework.value != "command";
}

std::optional<UsageError> resolve_framework(const std::string& project_dir, Config& c) {
  if (c.framework.value == "auto") {
    Detection detected = detect_framework(project_dir);
    if (detected.framework.empty()) {
      return UsageError{"distributest: cannot tell which test framework " + project_dir +
                        " uses (" + detected.reason + "); pass --framework or "
                        "set `framework` in .distributest/config.toml"};
    }
    c.framework.value = detected.framework;
    c.framework.origin = Origin{"detected: " + detected.reason, 0};
  }
  if (c.framework.value == "command" && c.command.value.find("{file}") == std::string::npos) {
    return UsageError{"distributest: the command framework needs a command with {file} in it, "
                      "e.g. --command 'sh {file}'" +
                      (c.command.value.empty() ? std::string()
                                               : " (got '" + c.command.value + "' from " +
                                                     c.command.origin.describe() + ")")};
  }
  if (c.framework.value == "command" && (c.command.value.find("\"{file}\"") != std::string::npos ||
                                         c.command.value.find("'{file}'") != std::string::npos)) {
    // {file} becomes "$1", already quoted: quotes around it would split or freeze the path.
    return UsageError{"distributest: write {file} without quotes in the command (it is passed "
                      "as one word, whatever the file is called); got '" + c.command.value +
                      "' from " + c.command.origin.describe()};
  }
  if (c.framework.value == "command" && !c.args.value.empty()) {
    return UsageError{"distributest: framework arguments (from " + c.args.origin.describe() +
                      ") are for rspec, minitest and pytest; with the command framework, put "
                      "them in the command itself"};
  }
  return std::nullopt;
}

std::optional<UsageError> pick_nodes(const std::vector<std::string>& names,
                                    std::vector<NodeConfig>& nodes) {
  std::vector<NodeConfig> picked;
  for (const std::string& name : names) {
    auto it = std::find_if(nodes.begin(), nodes.end(),
                           [&](const NodeConfig& n) { return n.name == name; });
    if (it == nodes.end()) {
      std::string known;
      for (const NodeConfig& n : nodes) known += " " + n.name;
      return UsageError{"distributest: --nodes: no node named '" + name + "' (configured:" +
                        (known.empty() ? std::string(" none") : known) + ")"};
    }
    picked.push_back(*it);
  }
  nodes = std::move(picked);
  return std::nullopt;
}


// What a run needs before anything starts: the config, the nodes, the files in order.
struct Plan {
  Config config;
  std::vector<NodeConfig> nodes;  // empty = this box alone
  std::vector<PlannedFile> files;
  TimingStore store;
  std::string timings_path;
  int local_runners = 1;
  CpuCount local_cpu;    // what local_runners was counted from
  ShippedFiles shipped;  // what the sync puts on remote nodes
};

// "  path: why" lines, at most kShown of them.
std::string list_left_out(const std::vector<std::pair<std::string, std::string>>& left_out) {
  constexpr std::size_t kShown = 20;
  std::string text;
  for (std::size_t i = 0; i < left_out.size() && i < kShown; ++i) {
    text += "\n  " + left_out[i].first + ": " + left_out[i].second;
  }
  if (left_out.size() > kShown) {
    text += "\n  ... and " + std::to_string(left_out.size() - kShown) + " more";
  }
  return text;
}

// With remote nodes in the run, a file the sync does not ship (git ignores it, [sync] exclude)
// would fail on whichever node got it, so it is left out, by name. Runners on this box alone
// work in the project itself and run every file.
std::optional<UsageError> keep_shipped_files(const std::string& project_dir, Plan& plan,
                                             std::vector<std::string>& files) {
  bool remote = std::any_of(plan.nodes.begin(), plan.nodes.end(),
                            [](const NodeConfig& n) { return !is_local_node(n); });
  if (!remote) return std::nullopt;
  std::string warning;
  plan.shipped = shipped_files(project_dir, plan.config.sync_exclude.value, &warning);
  if (!warning.empty()) std::cerr << "distributest: warning: " << warning << "\n";
  std::vector<std::string> kept;
  std::vector<std::pair<std::string, std::string>> left_out;
  for (std::string& file : files) {
    std::string why = why_not_shipped(plan.shipped, file);
    if (why.empty()) {
      kept.push_back(std::move(file));
    } else {
      left_out.emplace_back(std::move(file), why);
    }
  }
  files = std::move(kept);
  if (left_out.empty()) return std::nullopt;
  std::string count = std::to_string(left_out.size()) + " test file(s)";
  if (files.empty()) {
    return UsageError{"distributest: no test file to run: the nodes do not get the " + count +
                      " found, as the sync leaves them out (run them here with --local):" +
                      list_left_out(left_out)};
  }
  std::cerr << "distributest: warning: " << count << " left out of this run: the sync does not "
            << "put them on the nodes (run them here with --local):" << list_left_out(left_out)
            << "\n";
  return std::nullopt;
}

// -S lists and --sshloginfile files, after the config's [[node]] tables.
std::optional<UsageError> add_sshlogins(const CliOptions& options,
                                        std::vector<NodeConfig>& nodes) {
  std::vector<NodeConfig> extra;
  for (const std::string& list : options.sshlogins) {
    if (auto why = parse_sshlogin_list(list, "-S", extra)) return UsageError{"distributest: " + *why};
  }
  for (const std::string& file : options.sshloginfiles) {
    if (auto why = read_sshlogin_file(file, extra)) return UsageError{"distributest: " + *why};
  }
  if (auto why = merge_nodes(nodes, std::move(extra))) return UsageError{"distributest: " + *why};
  return std::nullopt;
}

std::optional<UsageError> load_plan(const CliOptions& options, const std::string& project_dir,
                                    Plan& plan) {
  Config& config = plan.config;
  if (auto error = load_config_layers(project_dir, options.config_file, config)) {
    return UsageError{error->message};
  }
  if (auto usage = apply_command_line(options, config)) return usage;
  if (auto usage = resolve_framework(project_dir, config)) return usage;
  if (options.local && !options.nodes.empty()) {
    return UsageError{"distributest: --local and --nodes contradict each other; pick one"};
  }
  if (!options.local) {
    plan.nodes = config.nodes;
    if (auto usage = add_sshlogins(options, plan.nodes)) return usage;
    if (!options.nodes.empty()) {
      if (auto usage = pick_nodes(options.nodes, plan.nodes)) return usage;
    }
    if (std::string error = resolve_ssh_config(config, plan.nodes, nullptr); !error.empty()) {
      return UsageError{error};
    }
    if (std::string error = check_nodes(config, plan.nodes); !error.empty()) {
      return UsageError{error};
    }
  }
  plan.timings_path = (fs::path(project_dir) / config.timings_file.value).string();
  std::vector<std::string> args = options.files;
  if (!options.work.empty()) {  // replay, bisect: their paths, once each
    args.clear();
    for (const WorkItem& item : options.work) {
      if (std::find(args.begin(), args.end(), item.path) == args.end()) args.push_back(item.path);
    }
  }
  if (options.only_failures) {
    if (!args.empty()) return UsageError{"distributest: --only-failures takes no file arguments"};
    args = last_failures(failures_path(plan.timings_path), project_dir);
    if (args.empty()) return std::nullopt;  // nothing failed last time: nothing to run
  }
  std::vector<std::string> globs = config.files.value;
  if (globs.empty()) globs = default_globs(config.framework.value);
  std::string error;
  std::vector<std::string> files =
      discover_files(project_dir, args, globs, config.exclude.value, &error);
  if (!error.empty()) return UsageError{error};
  if (auto usage = keep_shipped_files(project_dir, plan, files)) return usage;

  std::string warning;
  plan.store = TimingStore::load(plan.timings_path, &warning);
  if (!warning.empty()) std::cerr << "distributest: warning: " << warning << "\n";
  plan.files = plan_files(project_dir, files, plan.store);
  mark_fresh_sessions(plan.files, config.session_per_file.value);
  if (!options.work.empty()) {
    // Replay and bisect: these items (parts of files as they ran) in this order.
    std::map<std::string, PlannedFile> by_path;
    for (PlannedFile& f : plan.files) by_path.emplace(f.path, std::move(f));
    plan.files.clear();
    for (const WorkItem& item : options.work) {
      auto it = by_path.find(item.path);
      if (it == by_path.end()) continue;  // left out above, with a warning
      plan.files.push_back(it->second);
      plan.files.back().selection = item.selection;
    }
  } else if (options.in_order) {
    // As named, not slowest first: replaying a runner's order is the point.
    if (options.files.empty()) return UsageError{"distributest: --in-order needs the files"};
    std::map<std::string, std::size_t> rank;
    for (const std::string& f : files) rank.emplace(f, rank.size());
    for (std::size_t i = 0; i < options.files.size(); ++i) {
      std::string rel = fs::path(options.files[i]).lexically_normal().string();
      if (rank.count(rel)) rank[rel] = i;
    }
    std::stable_sort(plan.files.begin(), plan.files.end(),
                     [&](const PlannedFile& a, const PlannedFile& b) {
                       return rank[a.path] < rank[b.path];
                     });
  }
  plan.local_cpu = local_cpu_count();
  int runners = runner_count(config.runners.value, plan.local_cpu);
  if (plan.nodes.empty() && splits(options, config)) {
    plan.files = split_slow_files(std::move(plan.files), plan.store, runners);
  }
  // More runners than work items would only start processes that get no work.
  plan.local_runners = std::max(1, std::min<int>(runners, static_cast<int>(plan.files.size())));
  return std::nullopt;
}

EngineOptions engine_options(const Config& config, const std::string& project_dir, bool tty) {
  EngineOptions o;
  o.node_setup = hook_argv(project_dir, config.node_setup.value, "node_setup");
  o.runner_setup = hook_argv(project_dir, config.runner_setup.value, "runner_setup");
  o.timeout_seconds = config.timeout.value;
  o.teardown_timeout_seconds = config.teardown_timeout.value;
  o.hook_timeout_seconds = config.hook_timeout.value;
  o.fail_fast = config.fail_fast.value;
  o.max_attempts = config.max_attempts.value;
  o.retries = config.retry.value;
  if (tty) o.refresh_seconds = 1;
  return o;
}

// Connects and syncs the nodes (or takes this box). Returns an exit code when nothing can run.
std::optional<int> set_up_runners(RealTransport& transport, Status& status, const Plan& plan,
                                  const std::string& project_dir, RunSetup& setup) {
  if (plan.nodes.empty()) {
    setup = local_setup(plan.config, plan.local_runners);
    status.event(Status::Level::kInfo, "this box: " + describe_cpu_count(plan.local_cpu) + ": " +
                                           std::to_string(plan.local_runners) + " runner(s)");
    return std::nullopt;
  }
  const Config& config = plan.config;
  setup = cluster_setup(transport, status, config, plan.nodes, project_dir, plan.shipped,
                        runners_override(config));
  if (setup.interrupted) {
    std::fprintf(stderr, "distributest: interrupted before any test ran\n");
    return kExitInterrupted;
  }
  // Once per run, however many connections read the same known_hosts file.
  for (const std::string& warning : transport.warnings()) {
    status.event(Status::Level::kWarning, warning);
  }
  if (setup.runners.empty()) {
    std::fprintf(stderr, "distributest: no usable node:\n");
    for (const NodeResult& n : setup.left_out) {
      std::fprintf(stderr, "  %s (%s): %s\n", n.name.c_str(), n.host.c_str(), n.status.c_str());
    }
    return kExitCannotRun;
  }
  return std::nullopt;
}

}  // namespace

int run_tests(const CliOptions& options, const std::string& project_dir, RunResult* result_out) {
  Plan plan;
  if (std::optional<UsageError> usage = load_plan(options, project_dir, plan)) {
    std::cerr << usage->message << "\n";
    return kExitUsage;
  }
  if (plan.files.empty()) {  // only with --only-failures: discovery errors otherwise
    std::printf("distributest: no failures recorded in the last run: nothing to rerun\n");
    return kExitPassed;
  }
  if (options.dry_run) {
    if (plan.nodes.empty()) {
      print_plan(plan.files, local_setup(plan.config, plan.local_runners).runners, plan.config);
    } else {
      print_node_plan(plan.files, plan.nodes, plan.config, plan.store);
    }
    return kExitPassed;
  }

  RunLog log;
  if (std::string error = log.open(plan.config.log_dir.value); !error.empty()) {
    std::cerr << "distributest: " << error << "\n";
    return kExitCannotRun;
  }
  bool tty = isatty(STDOUT_FILENO) == 1;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> devnull(
      options.quiet ? std::fopen("/dev/null", "w") : nullptr, std::fclose);
  StatusPrinter::Options printer{devnull ? devnull.get() : stdout, tty && !options.quiet,
                                 want_color(plan.config.color.value, tty), options.verbose, &log};
  printer.stream = options.stream;
  // Not for quiet runs (bisect's probes): their failures are the search, not the result.
  if (!options.quiet) {
    printer.github = github_annotation_options(std::getenv("GITHUB_ACTIONS"),
                                               std::getenv("GITHUB_WORKSPACE"), project_dir);
  }
  StatusPrinter status(printer);
  status.event(Status::Level::kInfo, "log: " + log.path());

  RealTransport transport(project_dir);
  RunSetup setup;
  if (std::optional<int> code = set_up_runners(transport, status, plan, project_dir, setup)) {
    return *code;
  }
  if (!plan.nodes.empty() && splits(options, plan.config)) {
    // Only now is the runner count known ("auto" runners are the nodes' cores).
    plan.files = split_slow_files(std::move(plan.files), plan.store,
                                  static_cast<int>(setup.runners.size()));
  }
  Engine engine(transport, status, engine_options(plan.config, project_dir, tty));
  RunResult result = engine.run(setup.nodes, setup.runners, plan.files);
  for (NodeResult& n : setup.left_out) result.nodes.push_back(std::move(n));
  bring_back_artifacts(transport, status, plan.config, setup.nodes, project_dir, result);
  report_suite_drift(plan.store, result, status);

  write_reports(options, result, status);
  status.event(Status::Level::kInfo, "master resources: " + describe(resource_usage()));
  if (result_out) *result_out = result;
  if (!result.interrupted && options.record) {
    update_timings(plan.store, result, project_dir, plan.timings_path, status);
    save_failures(result, failures_path(plan.timings_path), status);
  }
  if (!options.quiet) std::fprintf(stderr, "log: %s\n", log.path().c_str());
  return exit_code_for(result, plan.config);
}

}  // namespace dt
