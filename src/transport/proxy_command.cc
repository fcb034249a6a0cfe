#include "transport/proxy_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "transport/remote_command.h"
#include "transport/spawn_attributes.h"

extern char** environ;

namespace dt {

namespace {

using SteadyClock = std::chrono::steady_clock;

// Between SIGTERM and SIGKILL: ssh -W ends at once on SIGTERM; a stuck command does not.
constexpr auto kKillGrace = std::chrono::seconds(1);
// Enough of stderr for the line that says why the command gave up.
constexpr std::size_t kStderrKept = 4096;
constexpr auto kPollSlice = std::chrono::milliseconds(200);

bool plain_word(const std::string& value) {
  if (value.empty()) return false;
  for (unsigned char c : value) {
    if (!std::isalnum(c) && std::strchr("._:@/+,=-", c) == nullptr) return false;
  }
  return true;
}

std::string as_word(const std::string& value) {
  return plain_word(value) ? value : shell_quote(value);
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

bool retry_later(ssize_t n) { return n < 0 && (errno == EAGAIN || errno == EINTR); }

// send, not write: a peer gone is an error to handle here, not a SIGPIPE.
ssize_t send_some(int fd, const std::string& data) {
  return send(fd, data.data(), data.size(), MSG_NOSIGNAL);
}

}  // namespace

std::optional<std::string> expand_proxy_command(const std::string& command,
                                                const ProxyTokens& tokens, std::string& expanded) {
  expanded.clear();
  for (std::size_t i = 0; i < command.size(); ++i) {
    if (command[i] != '%') {
      expanded += command[i];
      continue;
    }
    if (i + 1 == command.size()) return "'%' at the end of '" + command + "' (write %% for a '%')";
    char token = command[++i];
    switch (token) {
      case 'h':
        expanded += as_word(tokens.host);
        break;
      case 'p':
        expanded += std::to_string(tokens.port);
        break;
      case 'r':
        expanded += as_word(tokens.user);
        break;
      case 'n':
        expanded += as_word(tokens.alias);
        break;
      case '%':
        expanded += '%';
        break;
      default:
        return "unknown token %" + std::string(1, token) + " in '" + command +
               "' (ProxyCommand takes %h, %p, %r, %n and %%)";
    }
  }
  return std::nullopt;
}

ProxyCommand::ProxyCommand(std::string command) : command_(std::move(command)) {
  if (!start()) return;
  last_data_ = SteadyClock::now().time_since_epoch().count();
  thread_ = std::thread([this] { pump(); });
}

bool ProxyCommand::start() {
  int session_pair[2];
  int proxy_pair[2];
  int err_pipe[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, session_pair) != 0) {
    error_ = std::string("cannot make a socket pair: ") + std::strerror(errno);
    return false;
  }
  inner_fd_ = session_pair[0];
  pump_fd_ = session_pair[1];
  auto fail = [this](const std::string& why) {
    error_ = why;
    close(inner_fd_);  // the destructor closes the rest
    inner_fd_ = -1;
    return false;
  };
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, proxy_pair) != 0) {
    return fail(std::string("cannot make a socket pair: ") + std::strerror(errno));
  }
  proxy_fd_ = proxy_pair[0];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(proxy_pair[1]);
    return fail(std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  stderr_fd_ = err_pipe[0];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, proxy_pair[1], 0);
  posix_spawn_file_actions_adddup2(&actions, proxy_pair[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  init_own_group_attributes(attr);  // so the whole of it can be ended
  // Not OpenSSH's "exec CMD": that runs only the first of `a; b`, and dash refuses "exec exec".
  // A shell left waiting is in the group, and ends with it.
  std::vector<char*> argv = {const_cast<char*>("sh"), const_cast<char*>("-c"), command_.data(),
                             nullptr};
  int rc = posix_spawn(&pid_, "/bin/sh", &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(proxy_pair[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    pid_ = -1;
    return fail("cannot run ProxyCommand '" + command_ + "' (/bin/sh): " + std::strerror(rc));
  }
  set_nonblocking(pump_fd_);
  set_nonblocking(proxy_fd_);
  set_nonblocking(stderr_fd_);
  return true;
}

ProxyCommand::~ProxyCommand() {
  if (thread_.joinable()) {
    // Ends the pump once it has passed on what the session wrote last.
    shutdown(pump_fd_, SHUT_RD);
    thread_.join();
  }
  for (int fd : {pump_fd_, proxy_fd_}) {
    if (fd >= 0) close(fd);
  }
  if (pid_ > 0 && !reaped_) {
    kill(-pid_, SIGTERM);
    auto give_up = SteadyClock::now() + kKillGrace;
    while (!reap(false) && SteadyClock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped_) {
      kill(-pid_, SIGKILL);
      reap(true);
    }
  }
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

// Reaps the command if it has ended (or, with `block`, once it has). The leader is gone then;
// whatever it left behind in its group goes too, before the group's id can be reused.
bool ProxyCommand::reap(bool block) {
  if (reaped_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  reaped_ = true;
  wait_status_ = status;
  kill(-pid_, SIGKILL);
  return true;
}

std::chrono::milliseconds ProxyCommand::quiet_for() const {
  SteadyClock::time_point last{SteadyClock::duration(last_data_.load())};
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - last);
}

void ProxyCommand::read_stderr() {
  std::lock_guard<std::mutex> lock(stderr_mutex_);
  if (stderr_fd_ < 0) return;
  char buf[4096];
  ssize_t n;
  while ((n = read(stderr_fd_, buf, sizeof buf)) > 0) {
    std::size_t room = kStderrKept - std::min(kStderrKept, stderr_.size());
    stderr_.append(buf, std::min(room, static_cast<std::size_t>(n)));
  }
}

std::string ProxyCommand::ended(std::chrono::milliseconds wait) {
  auto give_up = SteadyClock::now() + wait;
  while (!reap(false) && SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!reaped_) return "";
  read_stderr();
  std::string how = "ProxyCommand '" + command_ + "' ";
  if (WIFEXITED(wait_status_)) {
    how += "exited with status " + std::to_string(WEXITSTATUS(wait_status_));
  } else {
    how += "was killed by signal " + std::to_string(WTERMSIG(wait_status_));
  }
  std::lock_guard<std::mutex> lock(stderr_mutex_);
  std::size_t start = stderr_.find_first_not_of(" \t\r\n");
  if (start != std::string::npos) {
    std::string line = stderr_.substr(start, stderr_.find_first_of("\r\n", start) - start);
    how += ": " + line;
  }
  return how;
}

void ProxyCommand::pump() {
  std::string to_session, to_command;
  bool session_done = false;
  bool command_done = false;
  bool stderr_open = true;
  std::optional<SteadyClock::time_point> flush_until;
  char buf[32768];
  while (true) {
    bool progress = false;
    if (!command_done && to_session.size() < kCarrierMaxBuffered) {
      ssize_t n = read(proxy_fd_, buf, sizeof buf);
      if (n > 0) {
        to_session.append(buf, static_cast<std::size_t>(n));
        last_data_ = SteadyClock::now().time_since_epoch().count();
        progress = true;
      } else if (!retry_later(n)) {
        command_done = true;  // it exited, or closed its stdout
      }
    }
    if (!to_session.empty()) {
      ssize_t n = send_some(pump_fd_, to_session);
      if (n > 0) {
        to_session.erase(0, static_cast<std::size_t>(n));
        progress = true;
      } else if (!retry_later(n)) {
        session_done = true;  // the session is gone: nothing to deliver to
        to_session.clear();
      }
    }
    if (!session_done && to_command.size() < kCarrierMaxBuffered) {
      ssize_t n = read(pump_fd_, buf, sizeof buf);
      if (n > 0) {
        to_command.append(buf, static_cast<std::size_t>(n));
        progress = true;
      } else if (!retry_later(n)) {
        session_done = true;
      }
    }
    if (!to_command.empty() && !command_done) {
      ssize_t n = send_some(proxy_fd_, to_command);
      if (n > 0) {
        to_command.erase(0, static_cast<std::size_t>(n));
        progress = true;
      } else if (!retry_later(n)) {
        command_done = true;
      }
    }
    if (stderr_open) {
      std::lock_guard<std::mutex> lock(stderr_mutex_);
      ssize_t n = read(stderr_fd_, buf, sizeof buf);
      if (n > 0) {
        std::size_t room = kStderrKept - std::min(kStderrKept, stderr_.size());
        stderr_.append(buf, std::min(room, static_cast<std::size_t>(n)));
      } else if (!retry_later(n)) {
        stderr_open = false;
      }
    }
    if (command_done && to_session.empty()) break;  // the session sees its socket close
    auto now = SteadyClock::now();
    if (session_done && !flush_until) flush_until = now + kCarrierFlushLimit;
    if (session_done && (to_command.empty() || command_done || now > *flush_until)) break;
    if (progress) continue;
    short proxy_events = 0;
    if (!command_done && to_session.size() < kCarrierMaxBuffered) proxy_events |= POLLIN;
    if (!command_done && !to_command.empty()) proxy_events |= POLLOUT;
    short session_events = 0;
    if (!session_done && to_command.size() < kCarrierMaxBuffered) session_events |= POLLIN;
    if (!to_session.empty()) session_events |= POLLOUT;
    // A side with nothing to wait for is left out: its hang-up would wake poll at once.
    pollfd fds[3] = {{proxy_events ? proxy_fd_ : -1, proxy_events, 0},
                     {session_events ? pump_fd_ : -1, session_events, 0},
                     {stderr_open ? stderr_fd_ : -1, POLLIN, 0}};
    poll(fds, 3, static_cast<int>(kPollSlice.count()));
  }
  shutdown(pump_fd_, SHUT_RDWR);
  // The command's stdin ends: ssh -W and nc take that as the end of the connection.
  shutdown(proxy_fd_, SHUT_WR);
}

}  // namespace dt
