// What carries a node's SSH connection when it is not a TCP socket of its own: a jump host's
// channel (jump_tunnel.h) or a ProxyCommand (proxy_command.h). Either gives the session one
// end of a socketpair, owns whatever is at the other end, and ends it when destroyed.
// Internal to the transport module.
#pragma once

#include <chrono>

namespace dt {

class Carrier {
 public:
  virtual ~Carrier() = default;
  // How long nothing has come from the node: TCP_INFO does not see through a socketpair.
  virtual std::chrono::milliseconds quiet_for() const = 0;
};

}  // namespace dt
