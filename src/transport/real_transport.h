// The transport that runs real processes: on this box (node "local") each in its own process
// group with pipes, and on other machines as remote commands on SSH channels (libssh2), all on
// one Boost.Asio event loop (kept out of this header). SIGINT, SIGTERM and SIGHUP to the master
// become kInterrupted events instead of killing it, so the engine can stop the run in order.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "transport/cpu_count.h"
#include "transport/transport.h"

namespace dt {

struct SshNodeSpec {
  std::string name;
  std::string host;
  int port = 22;
  std::string user;          // empty = the current user
  std::string identity;      // the one key file; empty = ssh-agent, then `identities`
  std::vector<std::string> identities;  // empty = ~/.ssh/id_ed25519, id_ecdsa, id_rsa
  std::string known_hosts;   // empty = ~/.ssh/known_hosts
  bool accept_new = false;   // record an unknown host key (a changed one is still refused)
  int channels = 0;          // processes at once (connections are sized to it); <= 0 = its cores
  std::string remote_dir;    // where processes start unless their spec says otherwise
  // Hosts the connection goes through (ProxyJump), in order; empty = straight there.
  std::vector<SshNodeSpec> jumps;
  // A command to carry the connection (ProxyCommand), its %-tokens unexpanded
  // (proxy_command.h); "" = a TCP connection. Not used when `jumps` are given: then the first
  // of them may have one.
  std::string proxy_command;
  std::string alias;  // the host as the config names it, before ssh_config's HostName (%n)
};

class RealTransport : public Transport {
 public:
  // `cwd` is where local processes start unless their spec says otherwise.
  explicit RealTransport(std::string cwd);
  // Ends everything still running: local process groups are killed, SSH channels closed
  // (which makes each remote wrapper kill its process group).
  ~RealTransport() override;

  // Connects to every node in parallel. Returns, for each node that cannot be used, why. A stop
  // signal while connecting abandons the connections still opening (each fails with
  // connect_interrupted()); the interrupt stays queued for wait().
  std::map<std::string, std::string> connect(const std::vector<SshNodeSpec>& nodes,
                                             double timeout_seconds);

  static bool connect_interrupted(const std::string& error);

  // Warnings from connect() about nodes it could still use or refuse: malformed known_hosts
  // lines ("PATH:LINE: line ignored: why"), each once however many connections read the file,
  // in the order first met. For the caller to print.
  const std::vector<std::string>& warnings() const;

  // How connect() logged into `node` ("key /home/u/.ssh/id_ed25519", "ssh-agent (...)").
  std::string auth_method(const std::string& node) const;

  // Processes for node `name` run on this box, in the project directory (a [[node]] with
  // host = "local": the master's own cores beside the remote ones).
  void add_local_node(const std::string& name);

  int start(const ProcessSpec& spec) override;
  void write_stdin(int process, const std::string& data) override;
  void close_stdin(int process) override;
  void terminate(int process) override;
  std::optional<TransportEvent> wait(Clock::time_point deadline) override;
  Clock::time_point now() const override { return Clock::now(); }
  // usable_cpus() of the node's cpu_count().
  int cores(const std::string& node) override;
  // What the CPU probe found on `node` when it connected (this box's for a local node).
  CpuCount cpu_count(const std::string& node) const;

  // How long terminate() waits after SIGTERM before SIGKILL (local processes).
  void set_kill_grace(double seconds);

 private:
  int start_with_relay(int id, const ProcessSpec& spec);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The CPUs this process may use here: its affinity, capped by its cgroup's CPU quota.
int local_core_count();

// The name this process runs as: the login used on a node that names no user.
std::string local_user_name();

}  // namespace dt
