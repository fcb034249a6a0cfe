// Remote processes on one node: commands on SSH channels (libssh2, non-blocking) driven by the
// shared Asio event loop. A node has one or more connections: sshd refuses more than
// MaxSessions (10 by default) channels per connection, so channels spread over several, and
// when sshd refuses one (a lower MaxSessions, or sessions of ended channels that linger while
// their processes go), another connection is opened for it then.
// Internal to the transport module.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "transport/event_loop.h"
#include "transport/ssh_connect.h"

namespace dt {

// Try again later. libssh2 1.10 answers BAD_USE, not EAGAIN, when another channel's packet is
// still half-sent on the session (transport.c, send_existing; later releases say EAGAIN there):
// nothing is wrong, the send must wait.
inline bool would_block(int rc) { return rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE; }

class SshProcesses {
 public:
  // `connect_timeout_seconds` bounds the connections it opens itself when sshd refuses a channel.
  SshProcesses(EventLoop& loop, SshNodeSpec node, int cores, double connect_timeout_seconds);
  // Closes every channel (each remote wrapper then kills its process group) and disconnects.
  ~SshProcesses();

  // Takes over an open connection (made non-blocking and pumped from now on).
  void add_connection(SshConnection ssh);
  // An extra connection could not be opened: named when a channel finds no room.
  void note_failed_connection(const std::string& why) { failed_connection_ = why; }
  void start(int id, const ProcessSpec& spec);
  bool owns(int id) const { return channels_.count(id) > 0; }
  void write_stdin(int id, const std::string& data);
  void close_stdin(int id);
  void terminate(int id);
  // Bytes written to the process's stdin that have not gone out on the connection yet.
  std::size_t stdin_backlog(int id) const;
  int cores() const { return cores_; }
  const SshNodeSpec& node() const { return node_; }

  // Channels per connection we open at most: sshd's default MaxSessions.
  static constexpr int kChannelsPerConnection = 10;

 private:
  struct Connection {
    SshConnection ssh;
    std::unique_ptr<boost::asio::posix::stream_descriptor> socket;
    bool waiting_read = false;
    bool waiting_write = false;
    bool full = false;  // sshd refused a channel: its MaxSessions is reached
    bool lost = false;
    int channels = 0;
  };
  enum class State { kOpening, kStarting, kRunning, kClosing, kDone };
  struct Channel {
    std::size_t connection = 0;
    LIBSSH2_CHANNEL* channel = nullptr;
    State state = State::kOpening;
    std::string command;
    std::string to_write;
    bool eof_requested = false;
    bool eof_sent = false;
    bool terminated = false;
    bool eof_seen = false;  // its EOF was there when it was last pumped
    // No connection took it (sshd's MaxSessions): it waits for a slot until then.
    std::optional<Clock::time_point> slot_deadline;
  };

  void pump(std::size_t c);
  bool pump_channel(int id, Channel& ch);  // false = would block
  bool has_queued_input(std::size_t c) const;  // libssh2 holds data or an EOF for a channel
  bool open_channel(int id, Channel& ch);
  bool run_channel(int id, Channel& ch);
  bool close_channel(int id, Channel& ch);
  bool read_stream(int id, Channel& ch, int stream, std::size_t& budget);
  void finish(int id, Channel& ch, int exit_code, int signal, const std::string& error,
              bool node_lost = false);
  void lose_connection(std::size_t c, const std::string& why);
  void wait_socket(std::size_t c);
  void tick();
  std::size_t pick_connection() const;
  // Gives `ch` a connection, or parks it until one frees a slot or a new one is up (false then).
  bool place(int id, Channel& ch);
  void place_parked();
  // Opens one more connection on a thread of its own; add_connection() takes it on the loop.
  void open_extra_connection();

  EventLoop& loop_;
  SshNodeSpec node_;
  int cores_;
  std::vector<Connection> connections_;
  std::map<int, Channel> channels_;
  boost::asio::steady_timer keepalive_;
  bool destroying_ = false;
  bool repump_ = false;  // a channel had more to read than one turn's budget
  std::string failed_connection_;
  double connect_timeout_seconds_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<ConnectCancel> extra_cancel_ = std::make_unique<ConnectCancel>();
  std::thread extra_thread_;
  bool extra_connecting_ = false;
};

}  // namespace dt
