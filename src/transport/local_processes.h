// Processes on this box, each in its own process group, with pipes for stdin, stdout and
// stderr, driven by the shared EventLoop. Internal to the transport module.
#pragma once

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>

#include "transport/event_loop.h"

namespace dt {

class LocalProcesses {
 public:
  LocalProcesses(EventLoop& loop, std::string cwd);
  // Kills (SIGKILL) the process group of everything still running: nothing outlives us.
  ~LocalProcesses();

  // `relay_fd` >= 0: the child gets it as fd 3, named by DISTRIBUTEST_RELAY_FD (ssh_relay.h).
  void start(int id, const ProcessSpec& spec, int relay_fd = -1);
  bool owns(int id) const { return processes_.count(id) > 0; }
  void write_stdin(int id, const std::string& data);
  void close_stdin(int id);
  void terminate(int id);
  void set_kill_grace(double seconds) { kill_grace_ = seconds; }

 private:
  struct Process {
    pid_t pid = -1;
    std::unique_ptr<boost::asio::posix::stream_descriptor> in, out, err;
    // Small: a sync runs a local rsync (and its relay) per node at once, and these buffers were
    // most of the master's peak memory at 64 nodes (64 KB each then); bulk bytes go through
    // the relay's socket, not here, and a runner's output comes in several reads.
    std::array<char, 16384> out_buf{}, err_buf{};
    std::string queued;   // written after the write in flight
    std::string writing;  // the write in flight
    bool close_requested = false;
    bool reaped = false;
    bool reported = false;
    int wait_status = 0;
    std::unique_ptr<boost::asio::steady_timer> kill_timer;
    std::unique_ptr<boost::asio::steady_timer> drain_timer;
  };

  void wait_for_children();
  void reap();
  void close_output(int id);
  void maybe_report(int id);
  void read(int id, bool stdout_stream);
  void flush(int id);
  void fail(int id, const std::string& why);
  void forget(int id);

  EventLoop& loop_;
  std::string cwd_;
  double kill_grace_ = 2.0;
  boost::asio::signal_set children_;
  std::map<int, Process> processes_;
};

}  // namespace dt
