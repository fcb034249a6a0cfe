#include "cli/setup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "config/ssh_config.h"
#include "report/status.h"
#include "runner/adapter.h"
#include "sync/sync.h"
#include "transport/real_transport.h"
#include "util/environment.h"
#include "util/run_command.h"

namespace dt {

namespace {

constexpr double kConnectTimeoutSeconds = 10;
constexpr const char* kDefaultRemoteRoot = ".cache/distributest";

RunnerSlot make_runner(const Config& config, const std::string& node, int index,
                       std::vector<std::string> argv) {
  std::string id = sanitize_id(initiating_host()) + "_" + sanitize_id(node) + "_" +
                   std::to_string(index);
  RunnerSlot slot{id, index, node, runner_environment(id, index, node), std::move(argv)};
  for (const auto& [k, v] : config.env.value) slot.env.emplace(k, v);
  return slot;
}

// "node ci-1: 8 CPUs (cgroup quota 2), load 0.5: 2 runners (auto)", for the log: why a node
// got the runners it got.
void log_runner_count(Status& status, const std::string& node, const CpuCount& cpu,
                      int setting, int count) {
  std::string why = setting == kRunnersAuto ? "auto" : setting == kRunnersIdle ? "idle" : "set";
  status.event(Status::Level::kInfo, "node " + node + ": " + describe_cpu_count(cpu) + ": " +
                                         std::to_string(count) + " runner" +
                                         (count == 1 ? "" : "s") + " (" + why + ")");
}

// The master's own box as one of the nodes: local processes in the project dir, no sync.
void add_local_node(RealTransport& transport, Status& status, const Config& config,
                    const NodeConfig& node, int runners, RunSetup& setup) {
  transport.add_local_node(node.name);
  std::map<std::string, std::string> env = config.env.value;
  for (const auto& [k, v] : node.env) env[k] = v;
  setup.nodes.push_back(NodeSlot{node.name, initiating_host(), "", env, priority_prefix(node)});
  std::vector<std::string> argv =
      adapter_argv(config.framework.value, config.command.value, templates_dir() + "/runners",
                   config.args.value);
  CpuCount cpu = transport.cpu_count(node.name);
  int count = runner_count(runners, cpu);
  log_runner_count(status, node.name, cpu, runners, count);
  for (int r = 1; r <= count; ++r) {
    RunnerSlot slot = make_runner(config, node.name, r, argv);
    for (const auto& [k, v] : node.env) slot.env[k] = v;
    setup.runners.push_back(std::move(slot));
  }
}

// Runner ids hold the node's name in [a-z0-9_] only (make_runner), so `ci-1` and `ci_1` would
// share theirs: their runners would share databases and be mixed up in reports and replay.
std::string check_runner_ids(const std::vector<NodeConfig>& nodes) {
  std::map<std::string, const NodeConfig*> by_id;
  for (const NodeConfig& node : nodes) {
    auto [it, added] = by_id.emplace(sanitize_id(node.name), &node);
    if (added) continue;
    const NodeConfig& first = *it->second;
    return node.origin.describe() + ": node '" + node.name +
           "' would get the runner ids of node '" + first.name + "' (" +
           first.origin.describe() + "): both are " + sanitize_id(initiating_host()) + "_" +
           it->first + "_<n>; give one of them another name";
  }
  return "";
}

}  // namespace

// "~/x" in a local path (a key, known_hosts) means what it means in ssh_config: the home in
// the password database, not $HOME (see ssh_home_directory), so that an explicit
// "~/.ssh/known_hosts" is the same file as the default one.
std::string expand_home(const std::string& path) {
  if (!path.starts_with("~/")) return path;
  return ssh_home_directory() + path.substr(1);
}

std::string remote_root_of(const Config& config, const NodeConfig& node) {
  if (!node.remote_root.empty()) return node.remote_root;
  if (!config.remote_root.value.empty()) return config.remote_root.value;
  return kDefaultRemoteRoot;
}

namespace {

// Where and how to log in: ssh_config's words (config/ssh_config.h) where the config has none.
SshNodeSpec login_spec(const Config& config, const std::string& name, const std::string& host,
                       int port, const std::string& user, const SshClientSettings& ssh) {
  SshNodeSpec spec;
  spec.name = name;
  spec.host = ssh.hostname.empty() ? host : ssh.hostname;
  spec.alias = host;
  spec.port = port;
  spec.user = user.empty() ? local_user_name() : user;
  spec.identities = ssh.identities;
  const std::string& known_hosts =
      ssh.known_hosts.empty() ? config.known_hosts.value : ssh.known_hosts;
  spec.known_hosts = expand_home(known_hosts);
  const std::string& policy =
      ssh.host_key_policy.empty() ? config.host_key_policy.value : ssh.host_key_policy;
  spec.accept_new = policy == "accept-new";
  return spec;
}

}  // namespace

SshNodeSpec ssh_spec(const Config& config, const NodeConfig& node, const std::string& project_dir,
                     int runners) {
  SshNodeSpec spec = login_spec(config, node.name, node.host, node.port, node.user, node.ssh);
  spec.identity = expand_home(node.identity);
  spec.proxy_command = node.proxy_command;
  for (const JumpHost& hop : node.jumps) {
    SshNodeSpec jump = login_spec(config, hop.host, hop.host, hop.port, hop.user, hop.ssh);
    jump.proxy_command = hop.proxy_command;
    // The node's key opens its jump hosts too, unless ssh_config names theirs: one key per
    // node is how fleets behind a bastion are usually set up.
    if (hop.ssh.identities.empty()) jump.identity = spec.identity;
    spec.jumps.push_back(std::move(jump));
  }
  spec.channels = runners;
  spec.remote_dir = remote_project_dir(remote_root_of(config, node), project_dir,
                                       initiating_host());
  return spec;
}

bool is_local_node(const NodeConfig& node) { return node.host == kLocalHostName; }

std::string resolve_ssh_config(const Config& config, std::vector<NodeConfig>& nodes,
                               std::vector<std::string>* notes) {
  SshConfigResolution resolution = apply_ssh_config(config, nodes, run_command);
  if (notes) *notes = resolution.notes;
  return resolution.error;
}

int runner_count(int setting, const CpuCount& cpu) {
  if (setting == kRunnersIdle) return idle_cpus(cpu);
  return setting > 0 ? setting : usable_cpus(cpu);
}

int runners_override(const Config& config) {
  return config.runners.origin.file == "command line" ? config.runners.value : kRunnersAuto;
}

int node_runners(const NodeConfig& node, int runners_override) {
  if (runners_override == kRunnersAuto || node.runners_fixed) return node.runners;
  return runners_override;
}

// ionice through `sh -c`, on itself before the exec: a node without ionice, or one that
// refuses the idle class, still runs the command, at its usual I/O priority.
constexpr const char* kIoniceIdle = "ionice -c 3 -p $$ >/dev/null 2>&1; exec \"$@\"";

std::vector<std::string> priority_prefix(const NodeConfig& node) {
  std::vector<std::string> prefix;
  if (node.nice > 0) prefix = {"nice", "-n", std::to_string(node.nice)};
  if (node.ionice == "idle") prefix.insert(prefix.end(), {"sh", "-c", kIoniceIdle, "ionice"});
  return prefix;
}

std::string initiating_host() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string name(buf);
  return name.substr(0, name.find('.'));
}

RunSetup local_setup(const Config& config, int count) {
  RunSetup setup;
  setup.nodes.push_back(NodeSlot{"local", initiating_host(), "", config.env.value});
  std::vector<std::string> argv =
      adapter_argv(config.framework.value, config.command.value, templates_dir() + "/runners",
                   config.args.value);
  for (int i = 1; i <= count; ++i) setup.runners.push_back(make_runner(config, "local", i, argv));
  return setup;
}

std::string check_nodes(const Config& config, const std::vector<NodeConfig>& nodes) {
  if (std::string clash = check_runner_ids(nodes); !clash.empty()) return clash;
  for (const NodeConfig& node : nodes) {
    if (is_local_node(node)) continue;
    std::string where = node.origin.describe() + ": node '" + node.name + "': ";
    if (std::string why = check_remote_root(remote_root_of(config, node)); !why.empty()) {
      return where + why;
    }
    if (std::string identity = expand_home(node.identity); !identity.empty()) {
      struct stat st {};
      if (stat(identity.c_str(), &st) != 0) {
        return where + "identity file " + identity + " does not exist";
      }
      if ((st.st_mode & 077) != 0) {
        return where + "identity file " + identity + " is readable by others (mode " +
               std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
               std::to_string(st.st_mode & 7) + "); ssh refuses such keys: chmod 600 " + identity;
      }
    }
  }
  return "";
}

RunSetup cluster_setup(RealTransport& transport, Status& status, const Config& config,
                       const std::vector<NodeConfig>& nodes, const std::string& project_dir,
                       const ShippedFiles& shipped, int runners_override) {
  RunSetup setup;
  std::vector<SshNodeSpec> specs;
  std::vector<NodeConfig> remote;
  for (const NodeConfig& node : nodes) {
    int runners = node_runners(node, runners_override);
    if (is_local_node(node)) {
      add_local_node(transport, status, config, node, runners, setup);
      continue;
    }
    specs.push_back(ssh_spec(config, node, project_dir, runners));
    remote.push_back(node);
  }
  auto leave_out = [&](const SshNodeSpec& spec, const std::string& why) {
    status.event(Status::Level::kError, "node " + spec.name + " (" + spec.host + ") left out: " + why);
    setup.left_out.push_back(NodeResult{spec.name, spec.host, "failed: " + why, spec.remote_dir});
  };

  std::map<std::string, std::string> errors = transport.connect(specs, kConnectTimeoutSeconds);
  for (const auto& [node, error] : errors) {
    if (RealTransport::connect_interrupted(error)) {
      setup.interrupted = true;
      return setup;
    }
  }
  std::vector<SyncTarget> targets;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (auto it = errors.find(specs[i].name); it != errors.end()) {
      leave_out(specs[i], it->second);
      continue;
    }
    targets.push_back(SyncTarget{specs[i], remote_root_of(config, remote[i])});
  }
  status.event(Status::Level::kInfo, "syncing " + project_dir + " to " +
                                         std::to_string(targets.size()) + " node(s)");
  std::map<std::string, std::string> sync_errors =
      sync_nodes(transport, status, targets,
                 SyncOptions{project_dir, templates_dir(), shipped},
                 &setup.interrupted);
  if (setup.interrupted) return setup;

  for (std::size_t i = 0; i < specs.size(); ++i) {
    const SshNodeSpec& spec = specs[i];
    if (errors.count(spec.name)) continue;
    if (auto it = sync_errors.find(spec.name); it != sync_errors.end()) {
      leave_out(spec, "sync failed: " + it->second);
      continue;
    }
    std::map<std::string, std::string> env = config.env.value;
    for (const auto& [k, v] : remote[i].env) env[k] = v;
    // The busy lock first: it must be held by the command and all it starts.
    std::vector<std::string> prefix = remote_hold_prefix();
    for (std::string& word : priority_prefix(remote[i])) prefix.push_back(std::move(word));
    setup.nodes.push_back(NodeSlot{spec.name, spec.host, spec.remote_dir, env, prefix});
    CpuCount cpu = transport.cpu_count(spec.name);
    int runners = runner_count(spec.channels, cpu);
    log_runner_count(status, spec.name, cpu, spec.channels, runners);
    std::vector<std::string> argv = adapter_argv(
        config.framework.value, config.command.value, std::string("./") + kRemoteRuntimeDir + "/runners",
        config.args.value);
    for (int r = 1; r <= runners; ++r) {
      RunnerSlot slot = make_runner(config, spec.name, r, argv);
      for (const auto& [k, v] : remote[i].env) slot.env[k] = v;
      setup.runners.push_back(std::move(slot));
    }
  }
  return setup;
}

}  // namespace dt
