#include "transport/real_transport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <functional>
#include <set>
#include <thread>

#include "transport/event_loop.h"
#include "transport/local_processes.h"
#include "transport/relay_server.h"
#include "transport/ssh_connect.h"
#include "transport/ssh_processes.h"

namespace dt {

struct RealTransport::Impl {
  explicit Impl(std::string cwd) : local(loop, std::move(cwd)) {}
  EventLoop loop;
  LocalProcesses local;
  std::map<std::string, std::unique_ptr<SshProcesses>> nodes;
  std::map<int, SshProcesses*> remote;  // process id -> its node
  std::map<int, std::unique_ptr<RelayServer>> relays;  // local process id -> its relay
  std::set<std::string> local_names{"local", ""};
  std::map<std::string, std::string> auth;  // node -> how its first connection logged in
  std::map<std::string, CpuCount> cpu;      // node -> its first connection's CPU probe
  std::vector<std::string> warnings;        // from connections, without repeats

  void add_warnings(const std::vector<std::string>& more) {
    for (const std::string& w : more) {
      if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
    }
  }

  SshProcesses* node_of(int process) {
    auto it = remote.find(process);
    return it == remote.end() ? nullptr : it->second;
  }
};

RealTransport::RealTransport(std::string cwd) : impl_(std::make_unique<Impl>(std::move(cwd))) {}

RealTransport::~RealTransport() = default;

namespace {

// Connections opened at the start, so that the runners and the lock fit in sshd's default
// MaxSessions; a node whose sshd refuses a channel gets another connection then (ssh_processes).
// One connection is one handshake: for up to 9 runners, the node costs one.
int connections_for(int channels) {
  int wanted = channels + 1;  // the lock beside the runners
  return (wanted + SshProcesses::kChannelsPerConnection - 1) / SshProcesses::kChannelsPerConnection;
}

}  // namespace

std::map<std::string, std::string> RealTransport::connect(const std::vector<SshNodeSpec>& nodes,
                                                          double timeout_seconds) {
  // Each connection opens on a thread of its own: a handshake and an authentication are a few
  // round trips each, so blocking code per connection stays simple while all nodes connect at
  // once. Each is handed to the event loop the moment it is up, so it answers sshd's
  // keepalives while slower nodes are still connecting. A node's first connection also counts
  // its cores; then it gets as many more as its channels need (one per core when 0).
  std::map<std::string, std::string> errors;
  std::vector<std::thread> threads;
  ConnectCancel cancel;
  int pending = 0;
  std::function<void(std::size_t, SshConnection, bool)> on_connected;
  auto open = [&](std::size_t n, bool first) {
    ++pending;
    threads.emplace_back([this, &nodes, &on_connected, &cancel, n, first, timeout_seconds] {
      SshConnection c = ssh_connect(nodes[n], timeout_seconds, first, cancel);
      boost::asio::post(impl_->loop.io(), [&on_connected, c, n, first] {
        on_connected(n, c, first);
      });
    });
  };
  on_connected = [&](std::size_t n, SshConnection c, bool first) {
    --pending;
    const SshNodeSpec& node = nodes[n];
    impl_->add_warnings(c.warnings);
    if (!c.ok()) {
      // A node whose first connection fails is left out; one that gets fewer connections
      // than it wanted runs fewer channels (the rest fail with a message saying why).
      c.close();
      if (first) errors[node.name] = c.error;
      if (auto it = impl_->nodes.find(node.name); !first && it != impl_->nodes.end()) {
        it->second->note_failed_connection(c.error);
      }
      return;
    }
    if (!first) {
      if (auto it = impl_->nodes.find(node.name); it != impl_->nodes.end()) {
        it->second->add_connection(c);
      } else {
        c.close();
      }
      return;
    }
    int cores = usable_cpus(c.cpu);
    impl_->cpu[node.name] = c.cpu;
    impl_->auth[node.name] = c.auth_method;
    impl_->nodes[node.name] =
        std::make_unique<SshProcesses>(impl_->loop, node, cores, timeout_seconds);
    impl_->nodes[node.name]->add_connection(c);
    int channels = node.channels > 0 ? node.channels : cores;
    for (int i = 1; i < connections_for(channels); ++i) open(n, false);
  };
  for (std::size_t n = 0; n < nodes.size(); ++n) open(n, true);
  while (pending > 0) {
    impl_->loop.io().run_one();
    // Ctrl-C: the connections still opening fail at once; wait() reports the interrupt next.
    if (impl_->loop.interrupt_queued()) cancel.cancel();
  }
  for (std::thread& t : threads) t.join();
  return errors;
}

bool RealTransport::connect_interrupted(const std::string& error) {
  return error == kConnectInterrupted;
}

const std::vector<std::string>& RealTransport::warnings() const { return impl_->warnings; }

std::string RealTransport::auth_method(const std::string& node) const {
  auto it = impl_->auth.find(node);
  return it == impl_->auth.end() ? "" : it->second;
}

void RealTransport::add_local_node(const std::string& name) { impl_->local_names.insert(name); }

int RealTransport::start(const ProcessSpec& spec) {
  int id = impl_->loop.new_process_id();
  if (impl_->local_names.count(spec.node)) {
    if (spec.relay) return start_with_relay(id, spec);
    impl_->local.start(id, spec);
    return id;
  }
  auto it = impl_->nodes.find(spec.node);
  if (it == impl_->nodes.end()) {
    impl_->loop.push(TransportEvent{TransportEvent::Kind::kExited, id, "", 255, 0,
                                    "node " + spec.node + " is not connected"});
    return id;
  }
  impl_->remote[id] = it->second.get();
  it->second->start(id, spec);
  return id;
}

int RealTransport::start_with_relay(int id, const ProcessSpec& spec) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    impl_->loop.push(TransportEvent{TransportEvent::Kind::kExited, id, "", 255, 0,
                                    "cannot create a socket for the SSH relay"});
    return id;
  }
  auto node = impl_->nodes.find(spec.relay->node);
  impl_->relays[id] = std::make_unique<RelayServer>(
      impl_->loop, node == impl_->nodes.end() ? nullptr : node->second.get(), *spec.relay, fds[0]);
  impl_->local.start(id, spec, fds[1]);
  close(fds[1]);  // the child has its copy
  return id;
}

void RealTransport::write_stdin(int process, const std::string& data) {
  if (SshProcesses* node = impl_->node_of(process)) return node->write_stdin(process, data);
  impl_->local.write_stdin(process, data);
}

void RealTransport::close_stdin(int process) {
  if (SshProcesses* node = impl_->node_of(process)) return node->close_stdin(process);
  impl_->local.close_stdin(process);
}

void RealTransport::terminate(int process) {
  if (SshProcesses* node = impl_->node_of(process)) return node->terminate(process);
  impl_->local.terminate(process);
}

std::optional<TransportEvent> RealTransport::wait(Clock::time_point deadline) {
  std::optional<TransportEvent> ev = impl_->loop.wait(deadline);
  if (ev && ev->kind == TransportEvent::Kind::kExited) {
    impl_->relays.erase(ev->process);  // its process, and so its relay, is gone
    impl_->remote.erase(ev->process);
  }
  return ev;
}

int RealTransport::cores(const std::string& node) {
  auto it = impl_->nodes.find(node);
  return it == impl_->nodes.end() ? local_core_count() : it->second->cores();
}

CpuCount RealTransport::cpu_count(const std::string& node) const {
  auto it = impl_->cpu.find(node);
  return it == impl_->cpu.end() ? local_cpu_count() : it->second;
}

void RealTransport::set_kill_grace(double seconds) { impl_->local.set_kill_grace(seconds); }

int local_core_count() { return usable_cpus(local_cpu_count()); }

}  // namespace dt
