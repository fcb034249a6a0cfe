// rsync's remote shell, served by the master's own SSH session: rsync is run with
// `-e "distributest __ssh-relay"`, and the relay it starts asks the master (over a socket the
// master gave rsync as fd DISTRIBUTEST_RELAY_FD) to run rsync's remote command on the node as
// an exec channel of the session the master already opened and verified, then pumps bytes
// both ways. So host keys are checked once, in one place, each node costs one SSH handshake,
// and a relay whose master dies exits at once, taking its rsync with it.
#pragma once

#include <string>
#include <vector>

namespace dt {

// The relay's subcommand word: `distributest __ssh-relay [-l USER] HOST COMMAND...`, or, the
// same, `distributest-ssh-relay [-l USER] HOST COMMAND...`.
inline constexpr const char* kSshRelaySubcommand = "__ssh-relay";
// The environment variable that names the relay's socket to the master.
inline constexpr const char* kRelayFdVariable = "DISTRIBUTEST_RELAY_FD";

// The relay as a program of its own (src/transport/ssh_relay_main.cc): it starts in a fraction
// of the time the whole binary takes, and rsync starts one per node.
inline constexpr const char* kSshRelayProgram = "distributest-ssh-relay";

// rsync's -e value, quoted for rsync's own -e parser: kSshRelayProgram beside this binary or in
// ../libexec/distributest/, else this binary in relay mode (`distributest __ssh-relay`).
std::string ssh_relay_rsh();
// The same program as a command line to start directly: {helper} or {this binary, subcommand}.
std::vector<std::string> ssh_relay_argv();

// The relay, in the process rsync started (either program; argv[1] is ssh's first argument).
// Returns its exit status: the remote command's, or 255 when the master is gone or the relay
// was misused, as ssh does.
int ssh_relay_main(int argc, char** argv);

}  // namespace dt
