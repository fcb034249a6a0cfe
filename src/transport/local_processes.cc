#include "transport/local_processes.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

#include "transport/ssh_relay.h"
#include "transport/spawn_attributes.h"

extern char** environ;

namespace dt {

namespace asio = boost::asio;

namespace {

// After a process exits, anything it left in its group is killed; if its pipes still do not
// close (a grandchild that escaped the group holds them), stop waiting for them after this.
constexpr auto kPipeDrainLimit = std::chrono::seconds(2);
constexpr int kRelayChildFd = 3;

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

LocalProcesses::LocalProcesses(EventLoop& loop, std::string cwd)
    : loop_(loop), cwd_(std::move(cwd)), children_(loop.io(), SIGCHLD) {
  wait_for_children();
}

LocalProcesses::~LocalProcesses() {
  for (auto& [id, p] : processes_) {
    if (p.pid > 0 && !p.reaped) {
      kill(-p.pid, SIGKILL);
      waitpid(p.pid, nullptr, 0);
    }
  }
}

void LocalProcesses::wait_for_children() {
  children_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    reap();
    wait_for_children();
  });
}

void LocalProcesses::reap() {
  for (auto& [id, p] : processes_) {
    if (p.reaped || p.pid <= 0) continue;
    int status = 0;
    pid_t r = waitpid(p.pid, &status, WNOHANG);
    if (r != p.pid) continue;
    p.reaped = true;
    p.wait_status = status;
    // The leader is gone; whatever it left behind in its group goes too.
    kill(-p.pid, SIGKILL);
    if (p.kill_timer) p.kill_timer->cancel();
    p.drain_timer = std::make_unique<asio::steady_timer>(loop_.io(), kPipeDrainLimit);
    p.drain_timer->async_wait([this, id = id](const boost::system::error_code& ec) {
      if (!ec) close_output(id);
    });
    maybe_report(id);
  }
}

void LocalProcesses::close_output(int id) {
  auto it = processes_.find(id);
  if (it == processes_.end()) return;
  Process& p = it->second;
  boost::system::error_code ignored;
  if (p.out) p.out->close(ignored);
  if (p.err) p.err->close(ignored);
  p.out.reset();
  p.err.reset();
  maybe_report(id);
}

void LocalProcesses::maybe_report(int id) {
  Process& p = processes_.at(id);
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
  loop_.push(std::move(ev));
  forget(id);
}

// A finished process's entry (its 128 KiB of buffers) goes once the handlers cancelled with
// its pipes have run, so a run that restarts runners thousands of times stays small. Those
// handlers look the entry up and find it gone, or still there and closed.
void LocalProcesses::forget(int id) {
  asio::post(loop_.io(), [this, id] { processes_.erase(id); });
}

void LocalProcesses::read(int id, bool stdout_stream) {
  Process& p = processes_.at(id);
  auto& stream = stdout_stream ? p.out : p.err;
  auto& buf = stdout_stream ? p.out_buf : p.err_buf;
  stream->async_read_some(
      asio::buffer(buf),
      [this, id, stdout_stream](const boost::system::error_code& ec, std::size_t n) {
        auto it = processes_.find(id);
        if (it == processes_.end()) return;
        Process& proc = it->second;
        auto& s = stdout_stream ? proc.out : proc.err;
        if (!s) return;  // closed by the drain timer
        if (n > 0) {
          auto& b = stdout_stream ? proc.out_buf : proc.err_buf;
          loop_.push(TransportEvent{
              stdout_stream ? TransportEvent::Kind::kStdout : TransportEvent::Kind::kStderr, id,
              std::string(b.data(), n)});
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

void LocalProcesses::flush(int id) {
  Process& p = processes_.at(id);
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
                      auto it = processes_.find(id);
                      if (it == processes_.end()) return;
                      Process& proc = it->second;
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

void LocalProcesses::fail(int id, const std::string& why) {
  Process& p = processes_[id];
  p.reaped = p.reported = true;
  loop_.push(TransportEvent{TransportEvent::Kind::kExited, id, "", 127, 0, why});
  forget(id);
}

void LocalProcesses::start(int id, const ProcessSpec& spec, int relay_fd) {
  Process& p = processes_[id];
  if (spec.argv.empty()) return fail(id, "empty command");

  Pipe in, out, err;
  if (!make_pipe(in) || !make_pipe(out) || !make_pipe(err)) {
    return fail(id, std::string("cannot create pipes: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!spec.stdin_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 0, spec.stdin_file.c_str(), O_RDONLY, 0);
  } else if (spec.stdin_null) {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, in.read, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write, 2);
  std::map<std::string, std::string> extra_env = spec.env;
  if (relay_fd >= 0) {
    // After 0-2: one of the pipes may have had fd 3, and has been moved by then. dup2 leaves
    // the new fd open across exec, so rsync, and the relay it starts, inherit it.
    posix_spawn_file_actions_adddup2(&actions, relay_fd, kRelayChildFd);
    extra_env[kRelayFdVariable] = std::to_string(kRelayChildFd);
  }
  std::string dir = spec.cwd.empty() ? cwd_ : spec.cwd;
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());

  posix_spawnattr_t attr;
  init_own_group_attributes(attr);  // so terminate() can end everything it started

  std::vector<std::string> env = merged_environment(extra_env);
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
    return fail(id, "cannot run '" + spec.argv[0] + "' in " + dir + ": " + std::strerror(rc));
  }
  p.pid = pid;
  p.in = std::make_unique<asio::posix::stream_descriptor>(loop_.io(), in.write);
  p.out = std::make_unique<asio::posix::stream_descriptor>(loop_.io(), out.read);
  p.err = std::make_unique<asio::posix::stream_descriptor>(loop_.io(), err.read);
  read(id, true);
  read(id, false);
  // The child may have exited before we listened; SIGCHLD was delivered anyway, but reap now
  // too in case its handler already ran.
  reap();
}

void LocalProcesses::write_stdin(int id, const std::string& data) {
  auto it = processes_.find(id);
  if (it == processes_.end() || !it->second.in) return;
  it->second.queued += data;
  flush(id);
}

void LocalProcesses::close_stdin(int id) {
  auto it = processes_.find(id);
  if (it == processes_.end()) return;
  it->second.close_requested = true;
  flush(id);
}

void LocalProcesses::terminate(int id) {
  auto it = processes_.find(id);
  if (it == processes_.end()) return;
  Process& p = it->second;
  if (p.pid <= 0 || p.reaped) return;
  close_stdin(id);
  kill(-p.pid, SIGTERM);
  p.kill_timer = std::make_unique<asio::steady_timer>(
      loop_.io(),
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kill_grace_)));
  pid_t pid = p.pid;
  p.kill_timer->async_wait([pid](const boost::system::error_code& ec) {
    if (!ec) kill(-pid, SIGKILL);
  });
}

}  // namespace dt
