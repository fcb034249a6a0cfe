#include "transport/ssh_processes.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <array>

#include <boost/asio/post.hpp>

#include "transport/remote_command.h"

namespace dt {

namespace {

// Passes over a connection's channels in one pump (see pump()).
constexpr int kMaxPasses = 8;
// How long after its stdin ends a remote process group may live before the wrapper kills it.
constexpr int kRemoteGraceSeconds = 1;
// At most this much is read from one channel per turn of the loop. The engine takes the events
// before the loop turns again, so a test flooding its output neither grows the master's memory
// nor starves the other runners; what is not read stays in the SSH window, which then makes
// the remote side wait.
constexpr std::size_t kReadBudget = 256 * 1024;

int signal_number(const std::string& name) {
  for (int s = 1; s < NSIG; ++s) {
    const char* abbrev = sigabbrev_np(s);
    if (abbrev && name == abbrev) return s;
  }
  return SIGKILL;
}

// The connection itself failed, not just one channel.
bool is_socket_error(int rc) {
  return rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND ||
         rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_TIMEOUT;
}

}  // namespace

SshProcesses::SshProcesses(EventLoop& loop, SshNodeSpec node, int cores,
                           double connect_timeout_seconds)
    : loop_(loop),
      node_(std::move(node)),
      cores_(cores),
      keepalive_(loop.io()),
      connect_timeout_seconds_(connect_timeout_seconds) {
  tick();
}

void SshProcesses::add_connection(SshConnection ssh) {
  Connection c;
  libssh2_session_set_blocking(ssh.session, 0);
  libssh2_keepalive_config(ssh.session, 1, 1);
  c.socket = std::make_unique<boost::asio::posix::stream_descriptor>(loop_.io(), ssh.fd);
  c.ssh = ssh;
  connections_.push_back(std::move(c));
  pump(connections_.size() - 1);
}

SshProcesses::~SshProcesses() {
  destroying_ = true;
  *alive_ = false;
  extra_cancel_->cancel();
  if (extra_thread_.joinable()) extra_thread_.join();
  keepalive_.cancel();
  for (Connection& c : connections_) {
    // Closing the socket is enough for sshd to close every channel: each wrapper's stdin ends
    // and its process group is killed after the grace period.
    boost::system::error_code ignored;
    c.socket->cancel(ignored);
    c.socket->release();
    for (auto& [id, ch] : channels_) {
      if (ch.connection == static_cast<std::size_t>(&c - connections_.data()) && ch.channel) {
        libssh2_channel_free(ch.channel);
        ch.channel = nullptr;
      }
    }
    libssh2_session_set_blocking(c.ssh.session, 0);
    c.ssh.close();
  }
}

void SshProcesses::start(int id, const ProcessSpec& spec) {
  Channel& ch = channels_[id];
  ch.command = remote_command(spec, node_.remote_dir, kRemoteGraceSeconds);
  bool all_lost = std::all_of(connections_.begin(), connections_.end(),
                              [](const Connection& c) { return c.lost; });
  if (all_lost) {
    ch.connection = connections_.size();
    return finish(id, ch, 255, 0, "lost node " + node_.name, true);
  }
  if (place(id, ch)) pump(ch.connection);
}

void SshProcesses::write_stdin(int id, const std::string& data) {
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.state == State::kDone || it->second.eof_requested) return;
  it->second.to_write += data;
  pump(it->second.connection);
}

void SshProcesses::close_stdin(int id) {
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.state == State::kDone) return;
  it->second.eof_requested = true;
  pump(it->second.connection);
}

std::size_t SshProcesses::stdin_backlog(int id) const {
  auto it = channels_.find(id);
  return it == channels_.end() ? 0 : it->second.to_write.size();
}

void SshProcesses::terminate(int id) {
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.state == State::kDone) return;
  Channel& ch = it->second;
  ch.terminated = true;
  if (ch.state == State::kOpening) return finish(id, ch, -1, SIGTERM, "");
  ch.state = State::kClosing;
  pump(ch.connection);
}

void SshProcesses::pump(std::size_t c) {
  if (c >= connections_.size()) return;  // a channel waiting for a slot has no connection yet
  Connection& conn = connections_[c];
  if (conn.lost || destroying_) return;
  // libssh2 reads every packet the socket has whichever channel asks, so a channel later in a
  // pass can take an earlier one's data off the socket into libssh2's queue, where no socket
  // wait would see it: pass again while a channel has something waiting there.
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    for (auto& [id, ch] : channels_) {
      if (ch.connection != c || ch.state == State::kDone) continue;
      pump_channel(id, ch);  // what would block waits for the socket below
      if (conn.lost) return;
    }
    // A channel over its read budget is come back to later (repump_), not in this pump.
    if (repump_ || !has_queued_input(c)) break;
    if (pass + 1 == kMaxPasses) repump_ = true;
  }
  // Opening a channel may have found this connection full: move waiting channels elsewhere.
  if (conn.full) {
    for (auto& [id, ch] : channels_) {
      if (ch.connection != c || ch.state != State::kOpening) continue;
      --conn.channels;
      if (place(id, ch)) pump(ch.connection);
    }
  }
  if (repump_) {
    // Come back for the rest once the engine has taken what was read.
    repump_ = false;
    boost::asio::post(loop_.io(), [this, c] {
      if (!destroying_) pump(c);
    });
  }
  wait_socket(c);
}

bool SshProcesses::has_queued_input(std::size_t c) const {
  for (const auto& [id, ch] : channels_) {
    if (ch.connection != c || ch.state != State::kRunning || !ch.channel) continue;
    if (libssh2_poll_channel_read(ch.channel, 0) > 0 ||
        libssh2_poll_channel_read(ch.channel, SSH_EXTENDED_DATA_STDERR) > 0 ||
        (libssh2_channel_eof(ch.channel) && !ch.eof_seen)) {
      return true;
    }
  }
  return false;
}

bool SshProcesses::pump_channel(int id, Channel& ch) {
  if (ch.state == State::kOpening && !open_channel(id, ch)) return false;
  if (ch.state == State::kStarting) {
    int rc = libssh2_channel_exec(ch.channel, ch.command.c_str());
    if (rc == LIBSSH2_ERROR_EAGAIN) return false;
    if (rc != 0) {
      finish(id, ch, 255, 0, "cannot start the command on " + node_.name);
      return true;
    }
    ch.state = State::kRunning;
  }
  if (ch.state == State::kRunning && !run_channel(id, ch)) return false;
  if (ch.state == State::kClosing) return close_channel(id, ch);
  return true;
}

bool SshProcesses::open_channel(int id, Channel& ch) {
  Connection& conn = connections_[ch.connection];
  ch.channel = libssh2_channel_open_session(conn.ssh.session);
  if (ch.channel) {
    ch.state = State::kStarting;
    return true;
  }
  int err = libssh2_session_last_errno(conn.ssh.session);
  if (err == LIBSSH2_ERROR_EAGAIN) return false;
  if (err == LIBSSH2_ERROR_CHANNEL_FAILURE) {
    conn.full = true;  // pump() moves the channel to another connection
    return true;
  }
  finish(id, ch, 255, 0, "cannot open a channel to " + node_.name + " (libssh2 " +
                             std::to_string(err) + ")");
  return true;
}

bool SshProcesses::run_channel(int id, Channel& ch) {
  while (!ch.to_write.empty()) {
    ssize_t n = libssh2_channel_write(ch.channel, ch.to_write.data(), ch.to_write.size());
    if (would_block(static_cast<int>(n))) break;
    if (n < 0) {
      ch.to_write.clear();  // the remote end is gone; its exit tells the rest
      break;
    }
    ch.to_write.erase(0, static_cast<std::size_t>(n));
  }
  if (ch.to_write.empty() && ch.eof_requested && !ch.eof_sent) {
    int rc = libssh2_channel_send_eof(ch.channel);
    if (!would_block(rc)) ch.eof_sent = true;
  }
  std::size_t budget = kReadBudget;
  bool out_open = read_stream(id, ch, 0, budget);
  bool err_open = read_stream(id, ch, SSH_EXTENDED_DATA_STDERR, budget);
  ch.eof_seen = libssh2_channel_eof(ch.channel);
  if (connections_[ch.connection].lost) return true;
  if (!out_open && !err_open && libssh2_channel_eof(ch.channel)) {
    ch.state = State::kClosing;
    return true;
  }
  return false;  // a running channel always waits for more input
}

// Reads what is there; false once the stream reached its end.
bool SshProcesses::read_stream(int id, Channel& ch, int stream, std::size_t& budget) {
  std::array<char, 32768> buf;
  for (;;) {
    if (budget == 0) {
      repump_ = true;
      return true;
    }
    ssize_t n = libssh2_channel_read_ex(ch.channel, stream, buf.data(), std::min(buf.size(), budget));
    if (n > 0) {
      loop_.push(TransportEvent{stream == 0 ? TransportEvent::Kind::kStdout
                                            : TransportEvent::Kind::kStderr,
                                id, std::string(buf.data(), static_cast<std::size_t>(n))});
      budget -= static_cast<std::size_t>(n);
      continue;
    }
    if (n == LIBSSH2_ERROR_EAGAIN) return true;
    if (n == 0) return !libssh2_channel_eof(ch.channel);
    if (is_socket_error(static_cast<int>(n))) {
      lose_connection(ch.connection, "the connection broke (libssh2 " + std::to_string(n) + ")");
    }
    return false;
  }
}

bool SshProcesses::close_channel(int id, Channel& ch) {
  int rc = libssh2_channel_close(ch.channel);
  if (rc == LIBSSH2_ERROR_EAGAIN) return false;
  if (is_socket_error(rc)) {
    // Not a clean end: an exit status of 0 read now would report a lost process as passed.
    lose_connection(ch.connection, "the connection broke (libssh2 " + std::to_string(rc) + ")");
    return true;
  }
  rc = libssh2_channel_wait_closed(ch.channel);
  if (rc == LIBSSH2_ERROR_EAGAIN && !ch.terminated) return false;
  if (is_socket_error(rc) && !ch.terminated) {
    lose_connection(ch.connection, "the connection broke (libssh2 " + std::to_string(rc) + ")");
    return true;
  }
  int exit_code = libssh2_channel_get_exit_status(ch.channel);
  char* signame = nullptr;
  size_t len = 0;
  libssh2_channel_get_exit_signal(ch.channel, &signame, &len, nullptr, nullptr, nullptr, nullptr);
  int sig = 0;
  if (signame) {
    sig = signal_number(std::string(signame, len));
    libssh2_free(connections_[ch.connection].ssh.session, signame);
  } else if (ch.terminated) {
    sig = SIGTERM;
  }
  finish(id, ch, exit_code, sig, "");
  return true;
}

void SshProcesses::finish(int id, Channel& ch, int exit_code, int sig, const std::string& error,
                          bool node_lost) {
  if (ch.state == State::kDone) return;
  if (ch.channel) {
    libssh2_channel_free(ch.channel);
    ch.channel = nullptr;
  }
  if (ch.connection < connections_.size()) --connections_[ch.connection].channels;
  ch.state = State::kDone;
  TransportEvent ev{TransportEvent::Kind::kExited, id};
  ev.exit_code = exit_code;
  ev.signal = sig;
  ev.error = error;
  ev.node_lost = node_lost;
  loop_.push(std::move(ev));
  // Not now: finish() runs inside loops over channels_. A run that restarts runners thousands
  // of times must not keep every channel it ever had.
  boost::asio::post(loop_.io(), [this, id] {
    if (!destroying_) channels_.erase(id);
  });
}

// One broken connection loses the whole node: the engine treats a node as one unit (its
// runners are all "lost" together), and runners left alive on the node's other connections
// would hold files nobody waits for. Their channels end too, so their files are requeued.
void SshProcesses::lose_connection(std::size_t c, const std::string& why) {
  if (connections_[c].lost) return;
  for (Connection& conn : connections_) {
    conn.lost = true;
    boost::system::error_code ignored;
    conn.socket->cancel(ignored);
  }
  for (auto& [id, ch] : channels_) {
    if (ch.state != State::kDone) finish(id, ch, 255, 0, "lost node " + node_.name + ": " + why, true);
  }
}

void SshProcesses::wait_socket(std::size_t c) {
  Connection& conn = connections_[c];
  if (conn.lost || destroying_) return;
  int dirs = libssh2_session_block_directions(conn.ssh.session);
  // Always listen: any channel may get data (or the peer may close) at any time.
  if (!conn.waiting_read) {
    conn.waiting_read = true;
    conn.socket->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this, c](const boost::system::error_code& ec) {
                              connections_[c].waiting_read = false;
                              if (ec || destroying_) return;
                              pump(c);
                            });
  }
  if ((dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) && !conn.waiting_write) {
    conn.waiting_write = true;
    conn.socket->async_wait(boost::asio::posix::stream_descriptor::wait_write,
                            [this, c](const boost::system::error_code& ec) {
                              connections_[c].waiting_write = false;
                              if (ec || destroying_) return;
                              pump(c);
                            });
  }
}

}  // namespace dt
