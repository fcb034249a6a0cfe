// The connections of one node (part of SshProcesses, ssh_processes.h): which one a channel
// goes on, the one more opened when sshd refuses a channel, and the keepalive tick that also
// tells a silent node from a busy one.
#include <algorithm>
#include <boost/asio/post.hpp>

#include "transport/ssh_processes.h"

namespace dt {

namespace {

// Keepalives go out this often. They matter for their side effect: data the peer does not
// acknowledge makes the socket fail after TCP_USER_TIMEOUT (ssh_connect.cc), which is how a cut
// or dead node is noticed; libssh2 itself never checks the replies.
constexpr auto kTick = std::chrono::seconds(1);
// A node whose sshd has sent nothing for this long is lost although its machine still
// acknowledges what it is sent (a dead link is noticed sooner, through TCP_USER_TIMEOUT:
// ssh_connect.cc). sshd answers the keepalive sent every kTick; a loaded node answers late.
// TCP_INFO counts for the socket, whoever reads it.
constexpr auto kNoDataLimit = std::chrono::seconds(60);
// How long a channel waits for a session slot on a node before it fails.
constexpr auto kSlotWait = std::chrono::seconds(5);

// Why `ssh` looks dead (kNoDataLimit), or "".
std::string silence(const SshConnection& ssh) {
  std::chrono::milliseconds quiet = ssh.quiet_for();
  if (quiet <= kNoDataLimit) return "";
  return "its sshd has sent nothing for " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(quiet).count()) + " s";
}

}  // namespace

std::size_t SshProcesses::pick_connection() const {
  std::size_t best = connections_.size();
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    const Connection& c = connections_[i];
    if (c.lost || c.full || c.channels >= kChannelsPerConnection) continue;
    if (best == connections_.size() || c.channels < connections_[best].channels) best = i;
  }
  return best;
}

bool SshProcesses::place(int id, Channel& ch) {
  ch.connection = pick_connection();
  if (ch.connection < connections_.size()) {
    ch.slot_deadline.reset();
    ++connections_[ch.connection].channels;
    return true;
  }
  // One more connection, unless one is on its way, one already failed, or there is one per
  // channel already (sshd then refuses channels for some other reason).
  int wanted = static_cast<int>(std::count_if(channels_.begin(), channels_.end(), [](const auto& c) {
    return c.second.state != State::kDone;
  }));
  if (!extra_connecting_ && failed_connection_.empty() &&
      static_cast<int>(connections_.size()) < wanted) {
    open_extra_connection();
  }
  if (extra_connecting_) return false;  // placed when it is up, or has failed
  // sshd keeps a closed channel's session until its process has gone (the remote wrapper's
  // grace): a runner restarted at once may find every slot taken for a second or so.
  if (!ch.slot_deadline) ch.slot_deadline = Clock::now() + kSlotWait;
  if (Clock::now() < *ch.slot_deadline) return false;  // tick() tries again
  std::string why =
      "sshd on " + node_.name + " refused another session (MaxSessions) for " +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kSlotWait).count()) +
      "s; give the node fewer runners or raise MaxSessions in its sshd_config";
  if (!failed_connection_.empty()) {
    why = "node " + node_.name + " has no room for another channel: an extra connection to it " +
          "failed (" + failed_connection_ + ")";
  }
  finish(id, ch, 255, 0, why);
  return false;
}

void SshProcesses::place_parked() {
  for (auto& [id, ch] : channels_) {
    if (ch.state != State::kOpening || ch.connection != connections_.size()) continue;
    if (place(id, ch)) pump(ch.connection);
  }
}

void SshProcesses::open_extra_connection() {
  if (extra_thread_.joinable()) extra_thread_.join();  // the last one has posted its result
  extra_connecting_ = true;
  extra_thread_ = std::thread([this, alive = alive_] {
    SshConnection c = ssh_connect(node_, connect_timeout_seconds_, false, *extra_cancel_);
    boost::asio::post(loop_.io(), [this, alive, c]() mutable {
      if (!*alive) return c.close();
      extra_connecting_ = false;
      if (c.ok()) {
        add_connection(c);
      } else {
        c.close();
        note_failed_connection(c.error);
      }
      place_parked();
    });
  });
}

void SshProcesses::tick() {
  keepalive_.expires_after(kTick);
  keepalive_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || destroying_) return;
    // Channels waiting for a session slot: sessions may have ended since, so every
    // connection is worth another try.
    bool parked = false;
    for (auto& [id, ch] : channels_) {
      parked |= ch.state == State::kOpening && ch.connection == connections_.size();
    }
    if (parked) {
      for (Connection& conn : connections_) conn.full = false;
      place_parked();
    }
    for (std::size_t c = 0; c < connections_.size(); ++c) {
      Connection& conn = connections_[c];
      if (conn.lost) continue;
      if (std::string why = silence(conn.ssh); !why.empty()) {
        lose_connection(c, why);
        continue;
      }
      int next = 0;
      int rc = libssh2_keepalive_send(conn.ssh.session, &next);
      if (rc != 0 && !would_block(rc)) {
        lose_connection(c, "keepalive failed (libssh2 " + std::to_string(rc) + ")");
      } else {
        pump(c);  // also notices a socket that failed
      }
    }
    tick();
  });
}

}  // namespace dt
