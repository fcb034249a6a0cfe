// The command line: `distributest [OPTIONS] [FILE|DIR|GLOB ...]` and its subcommands.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/result.h"

namespace dt {

// Exit codes, as documented in man/distributest.1.
inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitCannotRun = 3;
inline constexpr int kExitInterrupted = 130;

struct CliOptions {
  std::string subcommand;            // "" (run) or "config"
  std::string config_file;
  std::optional<std::string> runners;
  bool local = false;
  std::vector<std::string> nodes;    // --nodes: a subset of the configured nodes
  std::vector<std::string> sshlogins;      // -S: GNU parallel sshlogin lists, added to the nodes
  std::vector<std::string> sshloginfiles;  // --sshloginfile
  std::optional<std::string> framework;
  std::optional<std::string> command;
  std::string json_file;
  std::string junit_file;
  bool dry_run = false;
  bool stream = false;               // --stream
  bool only_failures = false;        // --only-failures
  bool no_split = false;             // --no-split: config split = "off"
  bool in_order = false;             // --in-order: run the named files in the order given
  bool quiet = false;                // print nothing but errors (for replay and bisect runs)
  bool record = true;                // update the timing store and the last failures
  std::string html_file;
  std::optional<int> fail_fast;
  std::optional<double> timeout;
  std::optional<int> retry;
  int verbose = 0;
  std::vector<std::string> files;
  // With in_order (replay, bisect): the work items to run, in order, parts of files included;
  // `files` then holds their paths.
  std::vector<WorkItem> work;
  // After `--`: the framework's own arguments, replacing the `args` setting.
  std::optional<std::vector<std::string>> framework_args;
};

// Parses argv. On --help/--version/usage errors, prints and returns the exit code to use.
std::optional<int> parse_cli(int argc, char** argv, CliOptions& options);

// The whole program: parse, load config, plan, run, report. Returns the exit code.
int run_cli(int argc, char** argv);

// Runs the suite (or prints the plan) as `options` say, from `project_dir`. When `result` is
// given and the run happened, it receives the run's results (for replay and bisect).
int run_tests(const CliOptions& options, const std::string& project_dir,
              RunResult* result = nullptr);

}  // namespace dt
