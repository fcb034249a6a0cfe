#include "transport/real_transport.h"

#include <sched.h>
#include <unistd.h>

#include "transport/event_loop.h"
#include "transport/local_processes.h"

namespace dt {

struct RealTransport::Impl {
  explicit Impl(std::string cwd) : local(loop, std::move(cwd)) {}
  EventLoop loop;
  LocalProcesses local;
};

RealTransport::RealTransport(std::string cwd) : impl_(std::make_unique<Impl>(std::move(cwd))) {}

RealTransport::~RealTransport() = default;

std::map<std::string, std::string> RealTransport::connect(const std::vector<SshNodeSpec>& nodes,
                                                          double) {
  std::map<std::string, std::string> errors;
  for (const SshNodeSpec& n : nodes) errors[n.name] = "SSH is not available in this build";
  return errors;
}

int RealTransport::start(const ProcessSpec& spec) {
  int id = impl_->loop.new_process_id();
  impl_->local.start(id, spec);
  return id;
}

void RealTransport::write_stdin(int process, const std::string& data) {
  impl_->local.write_stdin(process, data);
}

void RealTransport::close_stdin(int process) { impl_->local.close_stdin(process); }

void RealTransport::terminate(int process) { impl_->local.terminate(process); }

std::optional<TransportEvent> RealTransport::wait(Clock::time_point deadline) {
  return impl_->loop.wait(deadline);
}

int RealTransport::cores(const std::string&) { return local_core_count(); }

void RealTransport::set_kill_grace(double seconds) { impl_->local.set_kill_grace(seconds); }

int local_core_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace dt
