// What runs the tests: the framework adapters shipped in templates/runners/, how to pick one
// for a project, and the environment each runner gets.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace dt {

// Where each framework's test files are, when the command line and config name none: every
// file detect_framework() (runner/detect.h) names is among them.
std::vector<std::string> default_globs(const std::string& framework);

// The directory holding templates/ (runner scripts and init templates): $DISTRIBUTEST_TEMPLATES,
// else the installed share dir beside the binary, else the source tree this was built from.
std::string templates_dir();

// The adapter command line for `framework` (`command_template` for the command adapter), with
// the runner scripts in `runners_dir` (templates_dir() + "/runners" locally; the synced copy on
// a node) and `framework_args` (the `args` setting) for the framework's own options.
std::vector<std::string> adapter_argv(const std::string& framework,
                                      const std::string& command_template,
                                      const std::string& runners_dir,
                                      const std::vector<std::string>& framework_args);

// [a-z0-9_] only: a runner id must be safe as a database name and in a file name.
std::string sanitize_id(const std::string& text);

// The environment of runner `index` (1-based) of `total`, on `node`, started from `host`.
std::map<std::string, std::string> runner_environment(const std::string& runner_id, int index,
                                                      const std::string& node);

// A hook from the config: an existing file in the project runs directly, anything else is a
// shell command run by sh -c. Arguments appended later (the runner id) become $1.
std::vector<std::string> hook_argv(const std::string& project_dir, const std::string& hook,
                                   const std::string& name);

}  // namespace dt
