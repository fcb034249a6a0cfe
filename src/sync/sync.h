// Getting the project onto the nodes: on each node, in parallel, a directory keyed by the
// checkout and the initiating host is checked (ours, or new, or empty: anything else is
// refused untouched), locked for this run, and filled by rsync (the external tool, whose
// remote half runs on the node's own SSH session through the relay) with what shipped.h says
// is shipped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sync/shipped.h"
#include "transport/real_transport.h"

namespace dt {

class Status;
class Transport;

struct SyncTarget {
  SshNodeSpec node;         // node.remote_dir is the target directory
  std::string remote_root;  // the dedicated directory that holds such targets
};

struct SyncOptions {
  std::string project_dir;
  std::string templates_dir;         // runners/ goes to <target>/.distributest-runtime/runners/
  ShippedFiles shipped;               // what of project_dir goes
};

// Where a node's copy of the project lives: <remote_root>/<project>-<hash>@<initiating host>,
// where <hash> is 8 hex digits of the SHA-256 of the absolute `project_dir`, so two checkouts
// with the same name on one box get a directory each.
std::string remote_project_dir(const std::string& remote_root, const std::string& project_dir,
                               const std::string& initiating_host);
// The name earlier versions gave it: <remote_root>/<project>@<initiating host>, shared by
// every checkout of that name. Nothing uses such a copy now; `clean` removes it.
std::string legacy_project_dir(const std::string& remote_root, const std::string& project_dir,
                               const std::string& initiating_host);

// Refuses a remote_root that is not a dedicated directory ("/", "~", "", "..", the home itself,
// system directories). Returns the reason, or "" when it is acceptable.
std::string check_remote_root(const std::string& remote_root);

// Syncs every target in parallel. Returns, for each node that could not be synced, why. The
// lock on each target stays held (by a process on the node) until the transport ends. A
// SIGINT/SIGTERM meanwhile sets `interrupted` and stops.
std::map<std::string, std::string> sync_nodes(Transport& transport, Status& status,
                                              const std::vector<SyncTarget>& targets,
                                              const SyncOptions& options, bool* interrupted);

// What every command on a node is run under (NodeSlot::command_prefix): a shared lock on the
// target dir's busy file, held by the command and everything it starts, so the next run's sync
// waits until the last of them is gone.
std::vector<std::string> remote_hold_prefix();

// The rsync command line (exposed for tests) that fills the node's synced dir with the contents
// of `project_dir` and, as <synced dir>/.distributest-runtime, `runtime_dir` (a directory of
// that name), in one transfer, with rsync_filter_args(excludes, git_rules_file) for the project.
// Its remote shell is the SSH relay (transport/ssh_relay.h).
std::vector<std::string> rsync_argv(const std::string& project_dir, const std::string& runtime_dir,
                                    const std::vector<std::string>& excludes,
                                    const std::string& git_rules_file = "");

// What rsync leaves out, and keeps on the node when --delete removes what the source no longer
// has: distributest's own entries, `excludes`, and then either what git ignores
// (`git_rules_file`, holding git_ignored_rules(); files on the node that a .gitignore there
// matches are kept, unless their directory is gone from the source) or, with no such file,
// what the .gitignore files ignore, on both sides.
std::vector<std::string> rsync_filter_args(const std::vector<std::string>& excludes,
                                           const std::string& git_rules_file);

// Every rule word of rsync_argv(): the adapters' include, then rsync_filter_args(). A replay of
// its batch (rsync_batch.h) must be given the same.
std::vector<std::string> rsync_rule_args(const std::vector<std::string>& excludes,
                                         const std::string& git_rules_file);

// What rsync is told the host is; it never resolves it: its remote shell is the relay.
inline constexpr const char* kRelayHost = "node";

// Where the adapters live inside a synced project dir.
inline constexpr const char* kRemoteRuntimeDir = ".distributest-runtime";

}  // namespace dt
