// Opening one SSH connection to a node: TCP connect, handshake, host key check against
// known_hosts, authentication. Blocking, with a deadline, meant to run on its own thread so all
// nodes connect in parallel; the connection is then handed to the event loop (ssh_processes).
// Internal to the transport module.
#pragma once

#include <libssh2.h>

#include <string>

#include "transport/real_transport.h"

namespace dt {

struct SshConnection {
  int fd = -1;
  LIBSSH2_SESSION* session = nullptr;
  std::string auth_method;  // "ssh-agent", "key /home/u/.ssh/id_ed25519"
  std::string error;        // why it failed; empty on success
  int cores = 0;            // from `nproc` when asked for, else 0

  bool ok() const { return session != nullptr && error.empty(); }
  void close();             // disconnects and frees; safe on a failed or closed connection
};

// Connects to `node`. With `probe_cores`, also runs `nproc` on it.
SshConnection ssh_connect(const SshNodeSpec& node, double timeout_seconds, bool probe_cores);

// "SHA256:base64" of the session's host key, as OpenSSH prints it.
std::string host_key_fingerprint(LIBSSH2_SESSION* session);

}  // namespace dt
