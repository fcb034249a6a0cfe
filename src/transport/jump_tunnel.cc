#include "transport/jump_tunnel.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace dt {

namespace {

using SteadyClock = std::chrono::steady_clock;

// The jump host's connection needs traffic of its own for a cut link to be noticed
// (TCP_USER_TIMEOUT on its socket, ssh_connect.cc); the inner session's keepalives are inside
// the channel, so the tunnel sends the jump host its own.
constexpr auto kKeepalive = std::chrono::seconds(1);
constexpr auto kPollSlice = std::chrono::milliseconds(200);

// One call waiting for the socket, or for another call's packet still half sent (libssh2's
// BAD_USE then; as in ssh_processes.h): either way, try again later.
bool would_block(long rc) { return rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE; }

std::string last_error(LIBSSH2_SESSION* s) {
  char* msg = nullptr;
  int len = 0;
  int code = libssh2_session_last_error(s, &msg, &len, 0);
  return std::string(msg ? msg : "unknown error") + " (libssh2 " + std::to_string(code) + ")";
}

}  // namespace

JumpTunnel::JumpTunnel(int fd, LIBSSH2_SESSION* session, const std::string& host, int port,
                       std::shared_ptr<Carrier> carrier)
    : fd_(fd), session_(session), carrier_(std::move(carrier)) {
  channel_ = libssh2_channel_direct_tcpip_ex(session_, host.c_str(), port, "127.0.0.1", 0);
  if (!channel_) {
    error_ = "it could not open a connection to " + host + ":" + std::to_string(port) + ": " +
             last_error(session_);
    return;
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    error_ = std::string("cannot make a socket pair: ") + std::strerror(errno);
    return;
  }
  inner_fd_ = pair[0];
  pump_fd_ = pair[1];
  fcntl(pump_fd_, F_SETFL, fcntl(pump_fd_, F_GETFL) | O_NONBLOCK);
  libssh2_session_set_blocking(session_, 0);
  last_data_ = SteadyClock::now().time_since_epoch().count();
  thread_ = std::thread([this] { pump(); });
}

JumpTunnel::~JumpTunnel() {
  if (thread_.joinable()) {
    // Ends the pump once it has passed on what the inner session wrote last.
    shutdown(pump_fd_, SHUT_RD);
    thread_.join();
  }
  if (pump_fd_ >= 0) close(pump_fd_);
  if (session_) {
    // Bounded: the channel and the jump host are told goodbye, unless the link is gone.
    libssh2_session_set_timeout(session_, 1000);
    libssh2_session_set_blocking(session_, 1);
    if (channel_ && !broken_) {
      libssh2_channel_send_eof(channel_);
      libssh2_channel_close(channel_);
    }
    if (channel_) libssh2_channel_free(channel_);
    if (!broken_) libssh2_session_disconnect(session_, "distributest done");
    libssh2_session_free(session_);
  }
  if (fd_ >= 0) close(fd_);
  carrier_.reset();  // after this session's goodbye, which went through it
}

std::chrono::milliseconds JumpTunnel::quiet_for() const {
  SteadyClock::time_point last{SteadyClock::duration(last_data_.load())};
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - last);
}

void JumpTunnel::pump() {
  std::string to_inner, to_node;
  bool inner_done = false;
  std::optional<SteadyClock::time_point> flush_until;
  auto keepalive_at = SteadyClock::now() + kKeepalive;
  char buf[32768];
  while (true) {
    bool progress = false;
    if (to_inner.size() < kCarrierMaxBuffered) {
      ssize_t n = libssh2_channel_read(channel_, buf, sizeof buf);
      if (n > 0) {
        to_inner.append(buf, static_cast<std::size_t>(n));
        last_data_ = SteadyClock::now().time_since_epoch().count();
        progress = true;
      } else if (n < 0 && !would_block(n)) {
        broken_ = true;
        break;
      } else if (n == 0 && libssh2_channel_eof(channel_) && to_inner.empty()) {
        break;  // the node's sshd closed the connection
      }
    }
    if (!to_inner.empty()) {
      ssize_t n = write(pump_fd_, to_inner.data(), to_inner.size());
      if (n > 0) {
        to_inner.erase(0, static_cast<std::size_t>(n));
        progress = true;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        inner_done = true;  // the inner session is gone: nothing to deliver to
        to_inner.clear();
      }
    }
    if (to_node.empty() && !inner_done) {
      ssize_t n = read(pump_fd_, buf, sizeof buf);
      if (n > 0) {
        to_node.assign(buf, static_cast<std::size_t>(n));
        progress = true;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        inner_done = true;
      }
    }
    if (!to_node.empty()) {
      ssize_t n = libssh2_channel_write(channel_, to_node.data(), to_node.size());
      if (n > 0) {
        to_node.erase(0, static_cast<std::size_t>(n));
        progress = true;
      } else if (n < 0 && !would_block(n)) {
        broken_ = true;
        break;
      }
    }
    auto now = SteadyClock::now();
    if (inner_done && !flush_until) flush_until = now + kCarrierFlushLimit;
    if (inner_done && (to_node.empty() || now > *flush_until)) break;
    if (now >= keepalive_at) {
      int next = 0;
      int rc = libssh2_keepalive_send(session_, &next);
      if (rc != 0 && !would_block(rc)) {
        broken_ = true;
        break;
      }
      keepalive_at = now + kKeepalive;
    }
    if (progress) continue;
    int dirs = libssh2_session_block_directions(session_);
    short inner_events = 0;
    if (to_node.empty() && !inner_done) inner_events |= POLLIN;
    if (!to_inner.empty()) inner_events |= POLLOUT;
    pollfd fds[2] = {
        {fd_, static_cast<short>(POLLIN | ((dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) ? POLLOUT : 0)),
         0},
        {pump_fd_, inner_events, 0}};
    poll(fds, 2, static_cast<int>(kPollSlice.count()));
  }
  // A broken link, or a node that hung up: the inner session sees its socket close.
  shutdown(pump_fd_, SHUT_RDWR);
}

}  // namespace dt
