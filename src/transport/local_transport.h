// Runs processes on this box: each in its own process group, with pipes for stdin, stdout and
// stderr, on a Boost.Asio event loop (kept out of this header). SIGINT, SIGTERM and SIGHUP to
// the master become kInterrupted events instead of killing it, so the engine can stop cleanly.
#pragma once

#include <memory>
#include <string>

#include "transport/transport.h"

namespace dt {

class LocalTransport : public Transport {
 public:
  // `cwd` is where processes start unless their spec says otherwise.
  explicit LocalTransport(std::string cwd);
  // Kills (SIGKILL) the process group of everything still running: nothing outlives us.
  ~LocalTransport() override;

  int start(const ProcessSpec& spec) override;
  void write_stdin(int process, const std::string& data) override;
  void close_stdin(int process) override;
  void terminate(int process) override;
  std::optional<TransportEvent> wait(Clock::time_point deadline) override;
  Clock::time_point now() const override { return Clock::now(); }
  int cores(const std::string& node) override;

  // How long terminate() waits after SIGTERM before SIGKILL.
  void set_kill_grace(double seconds);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The number of cores this process may run on (its CPU affinity, not the machine's total).
int local_core_count();

}  // namespace dt
