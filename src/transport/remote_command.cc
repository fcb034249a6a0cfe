#include "transport/remote_command.h"

namespace dt {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

namespace {

// Runs "$@" fed by a forwarder of the channel's stdin. When that stdin ends (the master closed
// it, or the channel died with the master), the forwarder closes the pipe, so a runner sees EOF
// and exits by itself, and leaves a watchdog that kills the whole process group (kill 0: sshd
// made the wrapper a session and group leader) after the grace period, in case it did not.
// The watchdog holds no channel descriptors, so a runner that exits on time closes the channel
// at once. Works in dash, bash and busybox sh; measured in shared/notes-ssh.md's setting.
constexpr const char* kWrapper =
    "g=$1; shift; "
    "{ cat; (sleep \"$g\"; kill -KILL 0) </dev/null >/dev/null 2>&1 & } | \"$@\"";

}  // namespace

std::string remote_command(const ProcessSpec& spec, const std::string& default_dir,
                           int grace_seconds) {
  std::string dir = spec.cwd.empty() ? default_dir : spec.cwd;
  std::string cmd;
  if (!dir.empty()) cmd += "cd " + shell_quote(dir) + " && ";
  cmd += "exec env";
  for (const auto& [k, v] : spec.env) cmd += " " + shell_quote(k + "=" + v);
  cmd += " sh -c " + shell_quote(kWrapper) + " distributest-wrapper " +
         std::to_string(grace_seconds);
  for (const std::string& a : spec.argv) cmd += " " + shell_quote(a);
  return cmd;
}

}  // namespace dt
