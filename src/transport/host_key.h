// A node's host key, checked as part of opening its SSH session: the known_hosts file that
// applies, the key types to ask for in the handshake, and what the file says of the key the
// node presents (with accept-new, an unknown one is recorded). known_hosts.h does the reading
// and matching; this is the libssh2 side and the messages. Internal to the transport module.
#pragma once

#include <libssh2.h>

#include <string>
#include <vector>

#include "transport/known_hosts.h"
#include "transport/real_transport.h"

namespace dt {

// Reads the node's known_hosts file into `known`: [ssh] known_hosts, else ~/.ssh/known_hosts
// in ssh's home (the password database's, see ssh_home_directory). Returns the error that
// leaves the node out: a file that cannot be read, or no home to find ~/.ssh in.
std::string read_node_known_hosts(const SshNodeSpec& node, KnownHosts& known);

// The host key algorithms for libssh2_session_method_pref: first those of the key types
// `known` holds for the node (libssh2 1.10 prefers ECDSA and would not find an ed25519-only
// entry; hashed entries show their types too), then the others libssh2 can check, in
// OpenSSH's default order. Offering the others as ssh does means a node that has none of its
// known types presents a key that can be reported as changed, not a failed handshake.
std::string host_key_preference(const KnownHosts& known, const SshNodeSpec& node);

// What `known` says of the key `session` was given in the handshake: "" to go on (known, or
// unknown and recorded by accept-new), else why the node is refused, ready to print ("HOST KEY
// CHANGED for ...", "REVOKED HOST KEY for ...", "unknown host key for ...", or why accept-new
// could not record it). Warnings met re-reading the file are added to `warnings`.
std::string verify_host_key(LIBSSH2_SESSION* session, const SshNodeSpec& node,
                            const KnownHosts& known, std::vector<std::string>& warnings);

// "SHA256:base64" of the session's host key, as OpenSSH prints it.
std::string host_key_fingerprint(LIBSSH2_SESSION* session);

}  // namespace dt
