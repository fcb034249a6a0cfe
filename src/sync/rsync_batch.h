// One rsync for many alike copies: the first copy of a group is synced by a real rsync that
// also writes what it sent to a batch file (rsync --write-batch); every other copy the same
// sync filled last time gets that batch replayed (rsync --read-batch on the node, fed through
// the relay), so the master runs one rsync, and computes one delta, per group, not per node.
// rsync itself checks that a copy fits the batch: one that does not says so or stalls, and is
// then synced by a rsync of its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dt {

// A fresh sync id (16 hex digits): what the copies one sync filled share (target_lock.h's
// "copy ID"), kept in <copy>/.distributest-runtime/sync-id.
std::string new_sync_id();

// The remote command that replays a batch read from stdin into the current directory, with
// the same rules as the rsync that wrote it: rsync_rule_args(), the git rules
// (the master's file) inline. nullopt when that would make a command line too long to send.
std::optional<std::string> read_batch_command(const std::vector<std::string>& excludes,
                                              const std::string& git_rules);

// Whether a replay's output says its copy is not the one the batch was written against.
bool batch_does_not_fit(std::string_view output);

// Where in a copy the sync id lives, relative to the copy.
inline constexpr const char* kSyncIdFile = "sync-id";

}  // namespace dt
