// What OpenSSH's client configuration says about each node, so `host = "ci1"` means what it
// means to `ssh ci1`: HostName, User, Port, IdentityFile, ProxyJump, ProxyCommand,
// UserKnownHostsFile and StrictHostKeyChecking. OpenSSH's own resolver answers (`ssh -G HOST`,
// which handles Include, Match and wildcards), asked once per host before connecting.
// distributest's keys win: a [[node]] key given, or [ssh] known_hosts / host_key_policy set in
// any file, is kept.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/run_command.h"

namespace dt {

// The keys of `ssh -G` output that distributest uses.
struct SshGOutput {
  std::string hostname;
  std::string user;
  int port = 22;
  std::vector<std::string> identity_files;     // as printed: ~ and %-tokens unexpanded
  std::vector<std::string> known_hosts_files;  // as printed: expanded
  std::string strict_host_key_checking;        // true|false|ask|accept-new
  std::string proxy_jump;                      // "" = none
  std::string proxy_command;                   // "" = none; as printed: %-tokens unexpanded
  bool proxy_use_fdpass = false;
};

SshGOutput parse_ssh_g(const std::string& output);

// One hop of a ProxyJump list: "[user@]host[:port]" or "ssh://[user@]host[:port]"; the host
// may be an IPv6 address in brackets. Error: why it is not one.
std::optional<std::string> parse_jump_host(const std::string& text, JumpHost& hop);

// Runs a command and returns what it printed: run_command (util/run_command.h), or a fake.
using CommandRunner = std::function<CommandResult(const std::vector<std::string>& argv)>;

struct SshConfigResolution {
  std::string error;               // a complete message naming the node; "" = fine
  std::vector<std::string> notes;  // for the log and doctor: "ssh_config not read: ..."
};

// Fills in, for every remote node in `nodes`, what ssh_config says (via `run`, several hosts
// at a time), and resolves each node's proxy_jump into `jumps` and its proxy_command ("none"
// becomes ""). `config` gives [ssh] config (ssh's -F; "none" skips ssh_config, but proxy_jump
// and proxy_command keys still apply) and the [ssh] keys that win over it.
SshConfigResolution apply_ssh_config(const Config& config, std::vector<NodeConfig>& nodes,
                                     const CommandRunner& run);

// What ssh_config gave `node` and its jump hosts, and which `ssh -G` said so, a line each:
// "ci1: from ssh_config (ssh -G ci1): hostname 10.0.3.7, user ci". None when it gave nothing.
std::vector<std::string> describe_ssh_config_origin(const NodeConfig& node);

}  // namespace dt
