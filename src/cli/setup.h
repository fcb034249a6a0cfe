// Where a run's runners come from: this box alone (the embedded default), or the configured
// nodes, connected over SSH and synced. Internal to the cli module.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "report/result.h"
#include "schedule/engine.h"
#include "sync/shipped.h"
#include "transport/real_transport.h"

namespace dt {

class RealTransport;
class Status;

struct RunSetup {
  std::vector<NodeSlot> nodes;
  std::vector<RunnerSlot> runners;
  std::vector<NodeResult> left_out;  // configured nodes that could not be used, and why
  bool interrupted = false;          // SIGINT/SIGTERM while connecting or syncing
};

// This box's short host name, as it keys remote directories and runner ids.
std::string initiating_host();

// A [[node]] with host = "local": this box, its runners local, nothing synced.
bool is_local_node(const NodeConfig& node);
// The node's remote_root, else [ssh] remote_root, else .cache/distributest.
std::string remote_root_of(const Config& config, const NodeConfig& node);
// How to reach `node` and where its copy of the project lives; `runners` sizes its connections.
SshNodeSpec ssh_spec(const Config& config, const NodeConfig& node, const std::string& project_dir,
                     int runners);

// How many runners a node's `runners` setting means there: a count as is, kRunnersAuto its
// usable CPUs, kRunnersIdle those its load leaves free.
int runner_count(int setting, const CpuCount& cpu);

// The -n given on the command line as an override of the nodes' own setting: its count or
// kRunnersIdle; kRunnersAuto when there is none (or it is "auto", which leaves them).
int runners_override(const Config& config);
// The runners setting `node` runs with: the override replaces the node's own, except an
// sshlogin's explicit N/.
int node_runners(const NodeConfig& node, int runners_override);

// Put before every command on the node (after the busy lock on a remote one): `nice -n N`
// when nice > 0, and an `sh -c` that sets the idle I/O class when ionice is "idle".
std::vector<std::string> priority_prefix(const NodeConfig& node);

// The embedded default: `count` runners on this box, in the project directory.
RunSetup local_setup(const Config& config, int count);

// What ssh_config says of each remote node and its jump hosts (config/ssh_config.h), filled
// in where the config is silent. Returns a complete message for a usage error, or "";
// `notes` (may be null) gets why ssh_config was not read, if it was not.
std::string resolve_ssh_config(const Config& config, std::vector<NodeConfig>& nodes,
                               std::vector<std::string>* notes);

// Checks what can be checked before connecting (remote roots, identity files). Returns a
// complete message for a usage error, or "".
std::string check_nodes(const Config& config, const std::vector<NodeConfig>& nodes);

// Connects to `nodes` in parallel, syncs `shipped` of the project to each, and returns the
// runners of the nodes that made it. `runners_override`, a count or kRunnersIdle, replaces
// every node's own runner setting (kRunnersAuto leaves them).
RunSetup cluster_setup(RealTransport& transport, Status& status, const Config& config,
                       const std::vector<NodeConfig>& nodes, const std::string& project_dir,
                       const ShippedFiles& shipped, int runners_override);

}  // namespace dt
