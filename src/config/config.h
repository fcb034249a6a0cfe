// The effective configuration of a run, built from layers, each later one overriding:
// built-in defaults < /etc/distributest/config.toml < ~/.config/distributest/config.toml <
// the project's .distributest/config.toml < --config FILE < command-line flags.
// Every value remembers where it came from, so errors and `distributest config` can say so.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dt {

struct Origin {
  std::string file;  // a path, or "default" / "command line"
  int line = 0;      // 0 when not from a file
  std::string describe() const;  // "path:line", "default", "command line"
};

template <typename T>
struct Setting {
  T value{};
  Origin origin{"default", 0};
};

// A [[node]] with this host is this machine, run without SSH; no other node may take it as
// its name.
inline constexpr const char* kLocalHostName = "local";

// `runners` values that are not a count: the CPUs a process may use on the node (its
// affinity, capped by its cgroup quota), or those of them its load average says are free.
inline constexpr int kRunnersAuto = 0;
inline constexpr int kRunnersIdle = -1;

// What OpenSSH's client configuration adds to a node or jump host (config/ssh_config.h), only
// where distributest's own keys leave a value open.
struct SshClientSettings {
  std::string hostname;                 // where to connect; "" = the name as given
  std::vector<std::string> identities;  // IdentityFile: after ssh-agent, instead of ~/.ssh/id_*
  std::string known_hosts;              // UserKnownHostsFile (the first), "" = [ssh]'s
  std::string host_key_policy;          // StrictHostKeyChecking as ours, "" = [ssh]'s
  // (key, value) of what it supplied, in a stable order, and the command that said so
  // ("ssh -G ci1"), for `distributest config` and `doctor`.
  std::vector<std::pair<std::string, std::string>> supplied;
  std::string source;
};

// A host that a node's connection goes through (ProxyJump).
struct JumpHost {
  std::string host;  // as written in proxy_jump
  int port = 22;
  std::string user;  // empty = the current user
  // ssh_config's ProxyCommand for the first hop, which ssh reaches with its own
  // configuration (the later ones go through the earlier ones); "" = none.
  std::string proxy_command;
  SshClientSettings ssh;
};

struct NodeConfig {
  std::string name;         // defaults to host
  std::string host;
  int port = 22;
  std::string user;         // empty = current user
  std::string identity;     // key file; empty = ssh-agent and default keys
  int runners = kRunnersAuto;  // a count, kRunnersAuto or kRunnersIdle
  // Priorities of everything run on the node: a shared workstation's owner comes first.
  // Defaults (set once the host is known): 10 and "idle" on remote nodes, 0 and "none" here.
  int nice = -1;            // 0..19
  std::string ionice;       // "idle" (class 3) or "none"
  std::string remote_root;  // empty = ~/.cache/distributest
  std::map<std::string, std::string> env;
  // ProxyJump: "[user@]host[:port],..." to go through, in order; "" = straight there, "none"
  // = straight there whatever ssh_config says.
  std::string proxy_jump;
  std::vector<JumpHost> jumps;  // proxy_jump's hosts, resolved (config/ssh_config.h)
  // ProxyCommand: a command whose stdin and stdout carry the connection, with ssh's %-tokens
  // unexpanded (transport/proxy_command.h); "" = none, "none" = none whatever ssh_config says.
  // At most one of proxy_jump and proxy_command is set once resolved.
  std::string proxy_command;
  SshClientSettings ssh;
  // The keys given for this node (in its [[node]] table, or by -S): ssh_config only fills in
  // connection keys left out.
  std::set<std::string> keys_given;
  // An sshlogin's explicit `N/`: -n does not replace it, as GNU parallel's -j applies only
  // to the entries without one.
  bool runners_fixed = false;
  Origin origin;
};

// The defaults that depend on the host: nice 10 and the idle I/O class on remote nodes, 0 and
// "none" for this box. Leaves values already set.
void set_priority_defaults(NodeConfig& node);

// The largest per-file timeout accepted, config and command line alike.
inline constexpr double kMaxTimeoutSeconds = 1e6;

struct Config {
  Setting<std::string> framework{"auto"};  // auto|rspec|minitest|pytest|command
  Setting<std::string> command{""};        // the `command` framework's template, with {file}
  Setting<int> runners{kRunnersAuto};      // a count, kRunnersAuto or kRunnersIdle
  Setting<std::vector<std::string>> files{};    // globs; empty = the framework's default
  Setting<std::vector<std::string>> exclude{};  // globs never run
  Setting<std::vector<std::string>> args{};     // given to the framework for every file
  Setting<std::vector<std::string>> session_per_file{};  // globs: a runner process of their own
  Setting<std::string> split{"auto"};      // cut slow files into parts by example: auto|off
  Setting<double> timeout{0};              // seconds per file; 0 = none
  Setting<double> teardown_timeout{120};   // seconds a runner may take to exit after its last file
  Setting<int> fail_fast{0};               // stop after N failed files; 0 = never
  Setting<int> max_attempts{2};            // tries of a file whose runner died
  Setting<int> retry{0};                   // reruns of a failed file on another runner
  Setting<std::string> flaky{"pass"};      // exit status of a run whose failures all passed on retry: pass|fail
  Setting<std::string> node_setup{""};     // hook command, run once per node
  Setting<std::string> runner_setup{""};   // hook command, run once per runner, $1 = id
  Setting<double> hook_timeout{1800};      // seconds each hook may take; 0 = none
  Setting<std::string> timings_file{".distributest/timings"};
  Setting<std::string> log_dir{""};        // empty = $XDG_STATE_HOME/distributest/logs
  Setting<std::string> color{"auto"};      // auto|always|never
  Setting<std::map<std::string, std::string>> env{};  // extra environment for runners/hooks
  Setting<std::string> known_hosts{""};    // empty = ~/.ssh/known_hosts
  Setting<std::string> host_key_policy{"strict"};  // strict|accept-new
  Setting<std::string> remote_root{""};    // default for nodes
  Setting<std::string> ssh_config{""};     // ssh -F FILE for ssh -G; "" = ssh's own, "none" = not read
  Setting<std::vector<std::string>> sync_exclude{};
  Setting<std::vector<std::string>> artifacts{};  // globs brought back from the nodes after a run
  Setting<std::string> nodes_file{""};     // sshlogin file, as written (relative to its config's dir)
  // [[node]] entries then nodes_file's, from the last layer that has either
  std::vector<NodeConfig> nodes;
};

struct ConfigError {
  std::string message;  // complete, ready to print: "path:line:col: ..." or "path:line: ..."
};

// Reads one TOML layer over `config`. A missing file is not an error when `optional`.
std::optional<ConfigError> load_config_file(const std::string& path, bool optional,
                                            Config& config);

// The standard layers for a project: system, user, project (and an explicit file, if given).
std::optional<ConfigError> load_config_layers(const std::string& project_dir,
                                              const std::string& explicit_file,
                                              Config& config);

// "key = value  # origin" lines for `distributest config`, in a stable order.
std::vector<std::string> describe_config(const Config& config);

}  // namespace dt
