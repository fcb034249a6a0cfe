// What carries a node's SSH connection when it is not a TCP socket of its own: a jump host's
// channel (jump_tunnel.h) or a ProxyCommand (proxy_command.h). Either gives the session one
// end of a socketpair, owns whatever is at the other end, and ends it when destroyed.
// Internal to the transport module.
#pragma once

#include <chrono>
#include <cstddef>

namespace dt {

// After the session has closed its end of the socketpair, its last bytes (the disconnect
// message) get this long to reach the other side.
inline constexpr auto kCarrierFlushLimit = std::chrono::seconds(2);
// Bytes a carrier has read and the other side has not yet taken: beyond this it stops reading,
// so a slow reader holds the writer back instead of filling memory.
inline constexpr std::size_t kCarrierMaxBuffered = 1 << 20;

class Carrier {
 public:
  virtual ~Carrier() = default;
  // How long nothing has come from the node: TCP_INFO does not see through a socketpair.
  virtual std::chrono::milliseconds quiet_for() const = 0;
};

}  // namespace dt
