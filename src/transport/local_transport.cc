#include "transport/local_transport.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

extern char** environ;

namespace dt {

namespace asio = boost::asio;

namespace {

// After a process exits, anything it left in its group is killed; if its pipes still do not
// close (a grandchild that escaped the group holds them), stop waiting for them after this.
constexpr auto kPipeDrainLimit = std::chrono::seconds(2);

struct Pipe {
  int read = -1;
  int write = -1;
};

bool make_pipe(Pipe& p) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  p.read = fds[0];
  p.write = fds[1];
  return true;
}

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    std::size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

struct LocalTransport::Impl {
  struct Process {
    pid_t pid = -1;
    std::string label;
    std::unique_ptr<asio::posix::stream_descriptor> in, out, err;
    std::array<char, 65536> out_buf{}, err_buf{};
    std::string queued;   // written after the write in flight
    std::string writing;  // the write in flight
    bool close_requested = false;
    bool reaped = false;
    bool reported = false;
    int wait_status = 0;
    std::unique_ptr<asio::steady_timer> kill_timer;
    std::unique_ptr<asio::steady_timer> drain_timer;
  };

  Impl(std::string dir) : cwd(std::move(dir)), children(io, SIGCHLD), stops(io, SIGINT, SIGTERM) {
    stops.add(SIGHUP);
    // A runner that dies while we write to it must not kill the master.
    signal(SIGPIPE, SIG_IGN);
    wait_for_children();
    wait_for_stop();
  }

  void wait_for_children() {
    children.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      reap();
      wait_for_children();
    });
  }

  void wait_for_stop() {
    stops.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      events.push_back(TransportEvent{TransportEvent::Kind::kInterrupted});
      wait_for_stop();
    });
  }

  void reap() {
    for (auto& [id, p] : processes) {
      if (p.reaped || p.pid <= 0) continue;
      int status = 0;
      pid_t r = waitpid(p.pid, &status, WNOHANG);
      if (r != p.pid) continue;
      p.reaped = true;
      p.wait_status = status;
      // The leader is gone; whatever it left behind in its group goes too.
      kill(-p.pid, SIGKILL);
      if (p.kill_timer) p.kill_timer->cancel();
      p.drain_timer = std::make_unique<asio::steady_timer>(io, kPipeDrainLimit);
      p.drain_timer->async_wait([this, id = id](const boost::system::error_code& ec) {
        if (!ec) close_output(id);
      });
      maybe_report(id);
    }
  }

  void close_output(int id) {
    Process& p = processes.at(id);
    boost::system::error_code ignored;
    if (p.out) p.out->close(ignored);
    if (p.err) p.err->close(ignored);
    p.out.reset();
    p.err.reset();
    maybe_report(id);
  }

  // A process is gone once it is reaped and both its output pipes are drained.
  void maybe_report(int id) {
    Process& p = processes.at(id);
    if (p.reported || !p.reaped || p.out || p.err) return;
    p.reported = true;
    if (p.drain_timer) p.drain_timer->cancel();
    boost::system::error_code ignored;
    if (p.in) p.in->close(ignored);
    TransportEvent ev{TransportEvent::Kind::kExited, id};
    if (WIFSIGNALED(p.wait_status)) {
      ev.signal = WTERMSIG(p.wait_status);
    } else {
      ev.exit_code = WEXITSTATUS(p.wait_status);
    }
    events.push_back(std::move(ev));
  }

  void read(int id, bool stdout_stream) {
    Process& p = processes.at(id);
    auto& stream = stdout_stream ? p.out : p.err;
    auto& buf = stdout_stream ? p.out_buf : p.err_buf;
    stream->async_read_some(
        asio::buffer(buf), [this, id, stdout_stream](const boost::system::error_code& ec,
                                                     std::size_t n) {
          Process& proc = processes.at(id);
          auto& s = stdout_stream ? proc.out : proc.err;
          if (!s) return;  // closed by the drain timer
          if (n > 0) {
            auto& b = stdout_stream ? proc.out_buf : proc.err_buf;
            events.push_back(TransportEvent{stdout_stream ? TransportEvent::Kind::kStdout
                                                          : TransportEvent::Kind::kStderr,
                                            id, std::string(b.data(), n)});
          }
          if (ec) {
            boost::system::error_code ignored;
            s->close(ignored);
            s.reset();
            maybe_report(id);
            return;
          }
          read(id, stdout_stream);
        });
  }

  void flush(int id) {
    Process& p = processes.at(id);
    if (!p.in || !p.writing.empty()) return;
    if (p.queued.empty()) {
      if (p.close_requested) {
        boost::system::error_code ignored;
        p.in->close(ignored);
        p.in.reset();
      }
      return;
    }
    p.writing.swap(p.queued);
    asio::async_write(*p.in, asio::buffer(p.writing),
                      [this, id](const boost::system::error_code& ec, std::size_t) {
                        Process& proc = processes.at(id);
                        proc.writing.clear();
                        if (ec) {
                          // The reader is gone (EPIPE): its exit will be reported.
                          proc.queued.clear();
                          boost::system::error_code ignored;
                          if (proc.in) proc.in->close(ignored);
                          proc.in.reset();
                          return;
                        }
                        flush(id);
                      });
  }

  int spawn(const ProcessSpec& spec);

  std::string cwd;
  double kill_grace = 2.0;
  asio::io_context io;
  asio::signal_set children;
  asio::signal_set stops;
  std::map<int, Process> processes;
  std::deque<TransportEvent> events;
  int next_id = 0;
};

int LocalTransport::Impl::spawn(const ProcessSpec& spec) {
  int id = next_id++;
  Process& p = processes[id];
  p.label = spec.label;
  auto fail = [&](const std::string& why) {
    p.reaped = p.reported = true;
    events.push_back(TransportEvent{TransportEvent::Kind::kExited, id, "", 127, 0, why});
    return id;
  };
  if (spec.argv.empty()) return fail("empty command");

  Pipe in, out, err;
  if (!make_pipe(in) || !make_pipe(out) || !make_pipe(err)) {
    return fail(std::string("cannot create pipes: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write, 2);
  std::string dir = spec.cwd.empty() ? cwd : spec.cwd;
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so terminate() can end everything it started, and so a Ctrl-C
  // at the terminal reaches only the master, which then stops the run in order.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env = merged_environment(spec.env);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(in.read);
  close(out.write);
  close(err.write);
  if (rc != 0) {
    close(in.write);
    close(out.read);
    close(err.read);
    return fail("cannot run '" + spec.argv[0] + "' in " + dir + ": " + std::strerror(rc));
  }
  p.pid = pid;
  p.in = std::make_unique<asio::posix::stream_descriptor>(io, in.write);
  p.out = std::make_unique<asio::posix::stream_descriptor>(io, out.read);
  p.err = std::make_unique<asio::posix::stream_descriptor>(io, err.read);
  read(id, true);
  read(id, false);
  // The child may have exited before we listened; SIGCHLD was delivered anyway, but reap now
  // too in case its handler already ran.
  reap();
  return id;
}

LocalTransport::LocalTransport(std::string cwd) : impl_(std::make_unique<Impl>(std::move(cwd))) {}

LocalTransport::~LocalTransport() {
  for (auto& [id, p] : impl_->processes) {
    if (p.pid > 0 && !p.reaped) {
      kill(-p.pid, SIGKILL);
      waitpid(p.pid, nullptr, 0);
    }
  }
}

int LocalTransport::start(const ProcessSpec& spec) { return impl_->spawn(spec); }

void LocalTransport::write_stdin(int process, const std::string& data) {
  auto it = impl_->processes.find(process);
  if (it == impl_->processes.end() || !it->second.in) return;
  it->second.queued += data;
  impl_->flush(process);
}

void LocalTransport::close_stdin(int process) {
  auto it = impl_->processes.find(process);
  if (it == impl_->processes.end()) return;
  it->second.close_requested = true;
  impl_->flush(process);
}

void LocalTransport::terminate(int process) {
  auto it = impl_->processes.find(process);
  if (it == impl_->processes.end()) return;
  Impl::Process& p = it->second;
  if (p.pid <= 0 || p.reaped) return;
  close_stdin(process);
  kill(-p.pid, SIGTERM);
  p.kill_timer = std::make_unique<asio::steady_timer>(
      impl_->io, std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(impl_->kill_grace)));
  pid_t pid = p.pid;
  p.kill_timer->async_wait([pid](const boost::system::error_code& ec) {
    if (!ec) kill(-pid, SIGKILL);
  });
}

std::optional<TransportEvent> LocalTransport::wait(Clock::time_point deadline) {
  while (impl_->events.empty()) {
    if (deadline == Clock::time_point::max()) {
      impl_->io.run_one();
    } else if (impl_->io.run_one_until(deadline) == 0 && Clock::now() >= deadline) {
      return std::nullopt;
    }
    if (impl_->io.stopped()) impl_->io.restart();
  }
  TransportEvent ev = std::move(impl_->events.front());
  impl_->events.pop_front();
  return ev;
}

int LocalTransport::cores(const std::string&) { return local_core_count(); }

void LocalTransport::set_kill_grace(double seconds) { impl_->kill_grace = seconds; }

int local_core_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace dt
