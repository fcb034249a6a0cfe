#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "cli/setup.h"
#include "cli/subcommands.h"
#include "config/config.h"

namespace dt {

namespace {
// `init --force`: kept here rather than in CliOptions, which only the run reads.
bool init_force = false;
}  // namespace

std::optional<int> parse_cli(int argc, char** argv, CliOptions& o) {
  init_force = false;
  // Everything after the first `--` belongs to the framework, untouched by CLI11 (which would
  // take it for file names).
  std::vector<char*> ours(argv, argv + argc);
  if (auto dashes = std::find_if(ours.begin() + std::min(argc, 1), ours.end(),
                                 [](const char* a) { return std::string_view(a) == "--"; });
      dashes != ours.end()) {
    o.framework_args = std::vector<std::string>(dashes + 1, ours.end());
    ours.erase(dashes, ours.end());
  }
  CLI::App app{"distributest: runs a test suite's files on every core of this box and of "
               "other machines over SSH, slowest first, and reports one result.",
               "distributest"};
  app.set_version_flag("--version", std::string("distributest ") + DISTRIBUTEST_VERSION);
  app.add_option("-c,--config", o.config_file, "Read this config file after the standard layers")
      ->check(CLI::ExistingFile);
  app.add_option("-n,--runners", o.runners,
                 "Runners per node: a number, 'auto' (one per usable CPU) or 'idle' (the CPUs "
                 "the load leaves free)");
  app.add_flag("--local", o.local, "Run on this box only, ignoring configured nodes");
  // One word split here: a vector option would swallow the file arguments after it.
  std::string nodes_list;
  app.add_option("--nodes", nodes_list, "Use only these configured nodes (comma-separated names)");
  // One value per -S, as for --nodes: a vector option would swallow the file arguments.
  app.add_option("-S,--sshlogin", o.sshlogins,
                 "Add nodes in GNU parallel's sshlogin format: [N/][user@]host[:port], ':' for "
                 "this box, comma-separated; may be repeated")
      ->allow_extra_args(false);
  app.add_option("--sshloginfile,--slf", o.sshloginfiles,
                 "Add the nodes listed in FILE (sshlogin format, one a line, # comments)")
      ->allow_extra_args(false);
  app.add_option("--framework", o.framework, "rspec, minitest, pytest or command (default: detect)")
      ->check(CLI::IsMember({"auto", "rspec", "minitest", "pytest", "command"}));
  app.add_option("--command", o.command,
                 "For --framework command: the command to run per file, with {file}");
  app.add_option("--json", o.json_file, "Write the JSON report to FILE");
  app.add_option("--junit", o.junit_file, "Write a JUnit XML report to FILE");
  app.add_option("--html", o.html_file,
                 "Write a self-contained HTML report (timeline per runner, failures) to FILE");
  app.add_flag("--stream", o.stream, "Show every runner's output live, each line prefixed by "
                                     "its runner");
  app.add_flag("--only-failures", o.only_failures,
               "Run only the files that failed, errored or timed out in the last run");
  app.add_flag("--in-order", o.in_order,
               "Run the named files in the order given, not slowest first (with -n 1: one "
               "runner, as one runner ran them)");
  app.add_flag("--dry-run", o.dry_run, "Print the plan (runners, dispatch order, expected "
                                       "durations, predicted makespan) and run nothing");
  app.add_flag("--no-split", o.no_split,
               "Run every file whole: do not cut the files that bound the run into parts by "
               "example (config: split = \"off\")");
  int fail_fast = 0;
  app.add_flag("--fail-fast{1}", fail_fast, "Stop after N files fail (--fail-fast=N; default 1)");
  app.add_option("--retry", o.retry,
                 "Rerun a failed file up to N times on another runner; one that then passes "
                 "is reported as flaky")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--timeout", o.timeout, "Kill a file's runner after SECONDS and report a timeout")
      ->check(CLI::Range(0.0, kMaxTimeoutSeconds));
  app.add_flag("-v,--verbose", o.verbose, "More output (-vv: every runner's output too)");
  app.add_option("files", o.files, "Test files, directories or globs (default: the framework's)");
  app.footer("After --, arguments for the framework itself, given for every file "
             "(e.g. -- --tag ~slow, or -- -m 'not slow').");

  CLI::App* config = app.add_subcommand("config", "Print the effective config and where each "
                                                  "value comes from");
  config->add_option("-c,--config", o.config_file, "Read this config file too")
      ->check(CLI::ExistingFile);
  CLI::App* init = app.add_subcommand(
      "init", "Write a commented .distributest/config.toml for the detected framework, and "
              "node_setup and runner_setup hook scripts");
  init->add_flag("--force", init_force, "Overwrite files that already exist");
  CLI::App* clean = app.add_subcommand(
      "clean", "Remove this box's old run logs (keeping the newest 10) and this box's copy of "
               "the project on every configured node (only a directory distributest made)");
  clean->add_option("-c,--config", o.config_file, "Read this config file too")
      ->check(CLI::ExistingFile);
  clean->add_flag("--dry-run", o.dry_run, "List what would be removed and remove nothing");
  std::string subject;
  CLI::App* replay = app.add_subcommand(
      "replay", "Re-run locally, in the same order, the files one runner ran in the last run");
  replay->add_option("runner", subject, "The runner's id, or its unique end (e.g. n2_3)")
      ->required();
  replay->add_option("-c,--config", o.config_file, "Read this config file too")
      ->check(CLI::ExistingFile);
  CLI::App* bisect = app.add_subcommand(
      "bisect", "Find which files that ran before FILE on its runner make it fail");
  bisect->add_option("file", subject, "A file that failed in the last run")->required();
  bisect->add_option("-c,--config", o.config_file, "Read this config file too")
      ->check(CLI::ExistingFile);
  CLI::App* doctor_cmd = app.add_subcommand(
      "doctor", "Check every configured node and say how to fix what is wrong");
  doctor_cmd->add_option("-c,--config", o.config_file, "Read this config file too")
      ->check(CLI::ExistingFile);
  app.require_subcommand(0, 1);
  try {
    app.parse(static_cast<int>(ours.size()), ours.data());
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitPassed : kExitUsage;
  }
  if (app.count("--fail-fast") > 0) {
    if (fail_fast < 1) {
      std::cerr << "distributest: --fail-fast=N needs N >= 1\n";
      return kExitUsage;
    }
    o.fail_fast = fail_fast;
  }
  for (std::size_t start = 0; !nodes_list.empty() && start <= nodes_list.size();) {
    std::size_t comma = std::min(nodes_list.find(',', start), nodes_list.size());
    if (comma > start) o.nodes.push_back(nodes_list.substr(start, comma - start));
    start = comma + 1;
  }
  if (config->parsed()) o.subcommand = "config";
  if (init->parsed()) o.subcommand = "init";
  if (clean->parsed()) o.subcommand = "clean";
  if (replay->parsed()) o.subcommand = "replay";
  if (bisect->parsed()) o.subcommand = "bisect";
  if (doctor_cmd->parsed()) o.subcommand = "doctor";
  if (replay->parsed() || bisect->parsed()) o.files = {subject};
  if (o.framework_args && !o.subcommand.empty()) {
    std::cerr << "distributest: arguments after -- are for a run, not for `" << o.subcommand
              << "` (set `args` in the config instead)\n";
    return kExitUsage;
  }
  return std::nullopt;
}

namespace {

int print_config(const CliOptions& options, const std::string& project_dir) {
  Config config;
  if (auto error = load_config_layers(project_dir, options.config_file, config)) {
    std::cerr << error->message << "\n";
    return kExitUsage;
  }
  if (std::string error = resolve_ssh_config(config, config.nodes, nullptr); !error.empty()) {
    std::cerr << error << "\n";
    return kExitUsage;
  }
  for (const std::string& line : describe_config(config)) std::cout << line << "\n";
  return kExitPassed;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CliOptions options;
  if (std::optional<int> exit_code = parse_cli(argc, argv, options)) return *exit_code;
  std::error_code ec;
  std::string project_dir = std::filesystem::current_path(ec).string();
  if (ec) {
    std::cerr << "distributest: cannot determine the current directory: " << ec.message() << "\n";
    return kExitCannotRun;
  }
  if (options.subcommand == "config") return print_config(options, project_dir);
  if (options.subcommand == "init") return init_project(project_dir, init_force);
  if (options.subcommand == "clean") {
    return clean_project(project_dir, options.config_file, options.dry_run);
  }
  if (options.subcommand == "replay") {
    return replay_runner(project_dir, options.config_file, options.files.front());
  }
  if (options.subcommand == "bisect") {
    return bisect_file(project_dir, options.config_file, options.files.front());
  }
  if (options.subcommand == "doctor") return doctor(project_dir, options.config_file);
  return run_tests(options, project_dir);
}

}  // namespace dt
