// ProxyJump: a node's SSH connection carried inside a direct-tcpip channel of the jump host's
// own SSH connection. The inner session gets one end of a socketpair, as if it were a TCP
// socket, so everything built on a connection (channels, the relay that rsync uses,
// keepalives, extra connections) works unchanged; a thread of the tunnel's own moves the bytes
// between the other end and the channel, and keeps the jump host's connection alive.
// Internal to the transport module.
#pragma once

#include <libssh2.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "transport/carrier.h"

namespace dt {

class JumpTunnel : public Carrier {
 public:
  // Takes over `session` (authenticated, blocking, on socket `fd`) and opens a channel from
  // the jump host to host:port. `carrier` is the tunnel that `fd` itself goes through, when
  // the jump host is reached through another one or a ProxyCommand; it is kept until this
  // one has ended. On failure, error() says why; the session is closed with the tunnel.
  JumpTunnel(int fd, LIBSSH2_SESSION* session, const std::string& host, int port,
             std::shared_ptr<Carrier> carrier);
  // Ends the channel (once the inner session's end is closed, its last bytes are passed on,
  // for at most a second or two) and the jump host's connection.
  ~JumpTunnel() override;
  JumpTunnel(const JumpTunnel&) = delete;
  JumpTunnel& operator=(const JumpTunnel&) = delete;

  const std::string& error() const { return error_; }
  // The inner session's socket: the caller owns it, and closes it before the tunnel ends.
  // -1 after a failure.
  int inner_fd() const { return inner_fd_; }
  // How long the channel has carried nothing from the node, which a keepalive every second
  // makes a sign of a silent node (as TCP_INFO is for a direct connection).
  std::chrono::milliseconds quiet_for() const override;

 private:
  void pump();

  int fd_;
  LIBSSH2_SESSION* session_;
  LIBSSH2_CHANNEL* channel_ = nullptr;
  int inner_fd_ = -1;
  int pump_fd_ = -1;
  std::shared_ptr<Carrier> carrier_;
  std::string error_;
  bool broken_ = false;  // the jump host's connection failed: no goodbyes on it
  std::atomic<std::chrono::steady_clock::rep> last_data_{0};
  std::thread thread_;
};

}  // namespace dt
