// ProxyCommand (ssh_config(5)): a command on this box whose stdin and stdout carry a node's SSH
// connection, as `ssh -W %h:%p bastion` or `nc -X connect -x proxy:3128 %h %p` do for ssh. It
// runs as `sh -c CMD` in a process group of its own. The node's session gets one end of a
// socketpair, as with a jump host (jump_tunnel.h), and a thread of the carrier's own moves the
// bytes, which tells when the node last sent something (quiet_for), and keeps the start of the
// command's stderr for a connect error; the rest of its stderr is dropped, as nobody could read
// it during a run.
// Internal to the transport module.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "transport/carrier.h"

namespace dt {

// What ProxyCommand's tokens stand for.
struct ProxyTokens {
  std::string host;   // %h: where to connect (ssh_config's HostName)
  int port = 22;      // %p
  std::string user;   // %r: the remote user
  std::string alias;  // %n: the host as the config names it
};

// `command` with ProxyCommand's tokens (ssh_config(5) TOKENS: %h %p %r %n %%) replaced, in
// `expanded`. The command is the user's own code; the values are data: %h, %r and %n are
// shell-quoted unless they are plain words ([A-Za-z0-9._:@/+,=-]), so an ordinary host name
// reads as it does for ssh, and one holding `$(...)` or a space stays one word. Error: an
// unknown token or a '%' at the end, in words.
std::optional<std::string> expand_proxy_command(const std::string& command,
                                                const ProxyTokens& tokens, std::string& expanded);

class ProxyCommand : public Carrier {
 public:
  // Starts `command` (tokens expanded). On failure, error() says why.
  explicit ProxyCommand(std::string command);
  // Passes on the session's last bytes (its end closed first, for at most a second or two),
  // then ends the command: its stdin is closed, its process group gets SIGTERM, and SIGKILL
  // after a second; the command is reaped.
  ~ProxyCommand() override;
  ProxyCommand(const ProxyCommand&) = delete;
  ProxyCommand& operator=(const ProxyCommand&) = delete;

  const std::string& error() const { return error_; }
  // The session's socket: the caller owns it, and closes it before the carrier ends. -1 after
  // a failure.
  int inner_fd() const { return inner_fd_; }
  std::chrono::milliseconds quiet_for() const override;

  // Once the session on inner_fd() has failed: if the command ends within `wait`, how it
  // ended, with the first line it wrote to stderr ("ProxyCommand 'false' exited with status
  // 1"); "" while it runs.
  std::string ended(std::chrono::milliseconds wait);

 private:
  bool start();
  void pump();
  void read_stderr();  // what is there now, without waiting
  bool reap(bool block);

  std::string command_;
  std::string error_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
  int inner_fd_ = -1;
  int pump_fd_ = -1;   // the other end of the session's socketpair
  int proxy_fd_ = -1;  // ours of the socketpair that is the command's stdin and stdout
  int stderr_fd_ = -1;
  std::mutex stderr_mutex_;
  std::string stderr_;  // the start of it
  std::atomic<std::chrono::steady_clock::rep> last_data_{0};
  std::thread thread_;
};

}  // namespace dt
