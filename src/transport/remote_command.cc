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

// Runs "$@" with its stdin fed, through a FIFO in a private temp dir, by a forwarder of the
// channel's stdin. When that stdin ends (the master closed it, or the channel died with the
// master), "$@" sees EOF (a runner then exits by itself), and the forwarder leaves a watchdog
// that kills the whole process group after the grace period (kill 0: sshd made the wrapper a
// session and group leader), in case it did not. With stdin_null, "$@" reads /dev/null and the
// channel's stdin is only that lifeline (a hook). The wrapper waits for "$@" only, so a command
// that never reads stdin (a hook) ends its channel as soon as it exits, with its status; the
// forwarder and watchdog hold no channel output, so they never keep the channel open.
// Works in dash, bash and busybox sh.
constexpr const char* kWrapper =
    "g=$1; n=$2; shift 2\n"
    "d=$(mktemp -d) && mkfifo \"$d/f\" || exit 1\n"
    "f=$d/f; [ \"$n\" = 1 ] && f=/dev/null\n"
    "exec 3<&0 0</dev/null\n"
    "{ cat <&3 >\"$f\"; (sleep \"$g\"; rm -rf \"$d\"; kill -KILL 0) </dev/null >/dev/null 2>&1 & }"
    " 3<&3 >/dev/null 2>&1 &\n"
    "\"$@\" <\"$f\" 3<&-\n"
    "s=$?\n"
    "rm -rf \"$d\"\n"
    "exit $s\n";

}  // namespace

std::string remote_command(const ProcessSpec& spec, const std::string& default_dir,
                           int grace_seconds) {
  std::string dir = spec.cwd.empty() ? default_dir : spec.cwd;
  std::string cmd;
  // Appends, not `" " + shell_quote(...)`: GCC 12 at -O3 warns -Wrestrict on those temporaries.
  auto word = [&cmd](const std::string& text) {
    cmd += ' ';
    cmd += shell_quote(text);
  };
  if (!dir.empty()) {
    cmd += "cd ";
    cmd += shell_quote(dir);
    cmd += " && ";
  }
  cmd += "exec env";
  for (const auto& [k, v] : spec.env) word(k + "=" + v);
  cmd += " sh -c";
  word(kWrapper);
  cmd += " distributest-wrapper ";
  cmd += std::to_string(grace_seconds);
  cmd += spec.stdin_null ? " 1" : " 0";
  for (const std::string& a : spec.argv) word(a);
  return cmd;
}

}  // namespace dt
