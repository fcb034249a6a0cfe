// The maintenance subcommands: `distributest init` and `distributest clean`.
#pragma once

#include <string>

namespace dt {

// Writes .distributest/config.toml, node_setup and runner_setup into `project_dir` from
// templates_dir() + "/init", for the detected framework. Refuses to overwrite an existing file
// unless `force`. Returns the exit code (0, or 2 when a file exists / templates are missing).
int init_project(const std::string& project_dir, bool force);

// Removes this box's old run logs (keeping the newest 10 and latest.log) and, on every
// configured node, this box's marked copy of the project. `dry_run` only lists. Returns 0 when
// everything listed was removed (or nothing was there), 1 when a node could not be reached or
// cleaned, 2 for a config error.
int clean_project(const std::string& project_dir, const std::string& config_file, bool dry_run);

// Re-runs locally, on one runner and in the same order, the files runner `runner` (an id, or
// its unique suffix such as "n2_3") ran in the last run, from the timing store. Returns the
// run's exit code, or 2 when no such runner is recorded.
int replay_runner(const std::string& project_dir, const std::string& config_file,
                  const std::string& runner);

// For a file that failed in the last run: searches the files that ran before it on its runner
// for the smallest set that makes it fail when run first, in order, on one runner, and prints
// the one command that reproduces the failure. Returns 0 when found, 1 when the file passes
// even after all of them (not order-dependent), 2 on usage errors.
int bisect_file(const std::string& project_dir, const std::string& config_file,
                const std::string& file);

// Checks every configured node in parallel and prints one row per node: reachable, host key,
// auth method, rsync, the framework's interpreter, cores, free disk, round-trip time, and the
// fix for each problem. Returns 0 only when every node is usable.
int doctor(const std::string& project_dir, const std::string& config_file);

}  // namespace dt
