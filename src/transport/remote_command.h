// The command line an SSH channel runs for a process: every word shell-quoted (a file name
// with spaces, quotes or $(...) is data, never code), the environment set with `env`, and the
// whole thing under a small wrapper that ends the process group when the channel goes away.
#pragma once

#include <string>

#include "transport/transport.h"

namespace dt {

// 'text' for a POSIX shell: single quotes, with each ' written as '\''.
std::string shell_quote(const std::string& text);

// `cd DIR && exec env K=V ... sh -c WRAPPER distributest-wrapper ARGV...`, run by the remote
// user's login shell (which must be POSIX: sh, bash, dash, zsh, ksh).
// The wrapper feeds ARGV the channel's stdin through a pipe. When that stdin ends (the master
// closed it, or the channel died with the master), ARGV sees EOF too (a runner then exits on its
// own), and whatever is still running in the process group `grace_seconds` later is killed.
// Without it, a command started over SSH without a pty outlives a dead client.
std::string remote_command(const ProcessSpec& spec, const std::string& default_dir,
                           int grace_seconds);

}  // namespace dt
