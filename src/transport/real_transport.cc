#include "transport/real_transport.h"

#include <sched.h>
#include <unistd.h>

#include <thread>

#include "transport/event_loop.h"
#include "transport/local_processes.h"
#include "transport/ssh_processes.h"

namespace dt {

struct RealTransport::Impl {
  explicit Impl(std::string cwd) : local(loop, std::move(cwd)) {}
  EventLoop loop;
  LocalProcesses local;
  std::map<std::string, std::unique_ptr<SshProcesses>> nodes;
  std::map<int, SshProcesses*> remote;  // process id -> its node

  SshProcesses* node_of(int process) {
    auto it = remote.find(process);
    return it == remote.end() ? nullptr : it->second;
  }
};

RealTransport::RealTransport(std::string cwd) : impl_(std::make_unique<Impl>(std::move(cwd))) {}

RealTransport::~RealTransport() = default;

namespace {

int connections_for(int channels) {
  int wanted = channels + 2;  // hooks and the lock beside the runners
  return (wanted + SshProcesses::kChannelsPerConnection - 1) / SshProcesses::kChannelsPerConnection;
}

struct ConnectJob {
  std::size_t node;
  bool probe;
  SshConnection result;
};

// Every job at once, each on its own thread: a handshake and an authentication are a few round
// trips each, so blocking code per connection stays simple while nodes connect in parallel.
// Channels then run non-blocking on the event loop.
void run_jobs(std::vector<ConnectJob>& jobs, const std::vector<SshNodeSpec>& nodes,
              double timeout_seconds) {
  std::vector<std::thread> threads;
  for (ConnectJob& job : jobs) {
    threads.emplace_back([&job, &nodes, timeout_seconds] {
      job.result = ssh_connect(nodes[job.node], timeout_seconds, job.probe);
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace

std::map<std::string, std::string> RealTransport::connect(const std::vector<SshNodeSpec>& nodes,
                                                          double timeout_seconds) {
  // First one connection per node (which also counts its cores), then as many more as its
  // channels need; a node with `channels == 0` runs one per core.
  std::vector<ConnectJob> jobs;
  for (std::size_t n = 0; n < nodes.size(); ++n) jobs.push_back(ConnectJob{n, true, {}});
  run_jobs(jobs, nodes, timeout_seconds);
  std::vector<ConnectJob> more;
  for (const ConnectJob& first : jobs) {
    if (!first.result.ok()) continue;
    const SshNodeSpec& node = nodes[first.node];
    int channels = node.channels > 0 ? node.channels : first.result.cores;
    for (int i = 1; i < connections_for(channels); ++i)
      more.push_back(ConnectJob{first.node, false, {}});
  }
  run_jobs(more, nodes, timeout_seconds);
  for (ConnectJob& job : more) jobs.push_back(std::move(job));

  std::map<std::string, std::string> errors;
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    std::vector<SshConnection> connections;
    std::string error;
    int cores = 0;
    for (ConnectJob& job : jobs) {
      if (job.node != n) continue;
      if (!job.result.ok() && error.empty()) error = job.result.error;
      if (job.probe) cores = job.result.cores;
      connections.push_back(job.result);
    }
    if (!error.empty()) {
      for (SshConnection& c : connections) c.close();
      errors[nodes[n].name] = error;
      continue;
    }
    impl_->nodes[nodes[n].name] =
        std::make_unique<SshProcesses>(impl_->loop, nodes[n], std::move(connections), cores);
  }
  return errors;
}

int RealTransport::start(const ProcessSpec& spec) {
  int id = impl_->loop.new_process_id();
  if (spec.node == "local" || spec.node.empty()) {
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
  return impl_->loop.wait(deadline);
}

int RealTransport::cores(const std::string& node) {
  auto it = impl_->nodes.find(node);
  return it == impl_->nodes.end() ? local_core_count() : it->second->cores();
}

void RealTransport::set_kill_grace(double seconds) { impl_->local.set_kill_grace(seconds); }

int local_core_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace dt
