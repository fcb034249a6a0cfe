// Opening one SSH connection to a node: TCP connect, handshake, host key check against
// known_hosts (host_key.h), authentication. Blocking, with a deadline, meant to run on its own
// thread so all nodes connect in parallel; the connection is then handed to the event loop
// (ssh_processes).
// Internal to the transport module.
#pragma once

#include <libssh2.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "transport/cpu_count.h"
#include "transport/real_transport.h"

namespace dt {

class Carrier;

struct SshConnection {
  int fd = -1;
  LIBSSH2_SESSION* session = nullptr;
  std::string auth_method;  // "ssh-agent", "key /home/u/.ssh/id_ed25519"
  std::string error;        // why it failed; empty on success
  CpuCount cpu;             // from the CPU probe (cpu_count.h) when asked for
  // Malformed known_hosts lines met ("PATH:LINE: line ignored: why"), success or not.
  std::vector<std::string> warnings;
  // Set when the connection goes through a jump host (ProxyJump) or a ProxyCommand: fd is then
  // one end of a socketpair, and this carries it (carrier.h).
  std::shared_ptr<Carrier> carrier;

  bool ok() const { return session != nullptr && error.empty(); }
  void close();             // disconnects and frees; safe on a failed or closed connection
  // How long the node has sent nothing (TCP_INFO, or the carrier's count); 0 when unknown.
  std::chrono::milliseconds quiet_for() const;
};

// Lets the thread that waits for connections abandon them (Ctrl-C while connecting). The TCP
// connect polls it; cancel() shuts down every socket that is past it, so a blocking libssh2 call
// on it returns with an error at once instead of at the connect timeout.
class ConnectCancel {
 public:
  void cancel();
  bool cancelled() const;
  // A socket to shut down on cancel(); false (not tracked) when cancel() came first.
  bool track(int fd);
  // Before the socket is closed or handed over, so cancel() never touches a reused fd.
  void untrack(int fd);

 private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::set<int> fds_;
};

constexpr const char* kConnectInterrupted = "interrupted while connecting";

// Connects to `node`. With `probe_cores`, also runs the CPU probe (cpu_count.h) on it. A cancelled connection
// fails with kConnectInterrupted.
SshConnection ssh_connect(const SshNodeSpec& node, double timeout_seconds, bool probe_cores,
                          ConnectCancel& cancel);

}  // namespace dt
