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

}  // namespace dt
