// Running a short command on this box and collecting what it prints, for the helpers asked
// before a run (git, ssh -G). Depends on nothing else in distributest.
#pragma once

#include <string>
#include <vector>

namespace dt {

struct CommandResult {
  bool started = false;  // false: argv[0] could not be run (not found, not executable)
  int status = -1;       // the exit status; -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] looked up in PATH) with stdin from /dev/null, and waits for it.
CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace dt
