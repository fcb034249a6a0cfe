// The master's side of one SSH relay (ssh_relay.h): reads the relay's frames from its socket,
// runs the command it asks for as a process on its node's SSH session, and sends back that
// process's output and exit status. Internal to the transport module.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <deque>
#include <memory>
#include <string>

#include "transport/event_loop.h"
#include "transport/relay_frames.h"

namespace dt {

class SshProcesses;

class RelayServer {
 public:
  // Serves the relay on `fd` (taken over). `node` runs the command, under spec.command_prefix
  // and in spec.cwd; nullptr when the node is not connected (the relay is told so).
  RelayServer(EventLoop& loop, SshProcesses* node, ProcessSpec::Relay spec, int fd);
  // Ends the remote command if it still runs.
  ~RelayServer();
  RelayServer(const RelayServer&) = delete;
  RelayServer& operator=(const RelayServer&) = delete;

 private:
  void read();
  void resume_reading();  // reads on once the remote command's stdin backlog allows
  void socket_done();
  void on_frame(const RelayFrameDecoder::Frame& frame);
  void start_command(const std::string& command);
  void on_remote_event(TransportEvent ev);
  void send(RelayFrame type, std::string_view payload);
  void flush();
  void give_up(const std::string& why);
  bool backlogged() const;

  EventLoop& loop_;
  SshProcesses* node_;
  ProcessSpec::Relay spec_;
  boost::asio::posix::stream_descriptor socket_;
  boost::asio::steady_timer backlog_timer_;
  std::array<char, 32768> buf_{};  // one per node while it syncs: kept small (local_processes.h)
  RelayFrameDecoder decoder_;
  std::string outbox_;   // framed bytes for the relay, after the write in flight
  std::string writing_;  // the write in flight
  int remote_ = -1;      // the remote process, once started
  bool remote_running_ = false;
  bool closed_ = false;   // the relay's socket is done (EOF or error)
  bool refused_ = false;  // the relay misbehaved: nothing more it sends is read
  // Handlers check this, so none touches a destroyed server.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dt
