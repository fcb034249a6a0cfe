#include "transport/relay_server.h"

#include <boost/asio/write.hpp>

#include "transport/ssh_processes.h"

namespace dt {

namespace asio = boost::asio;

namespace {

// rsync can read a project far faster than a link carries it: past this much unsent stdin,
// the relay's socket is left unread (so the relay, and rsync behind it, wait) until it drains.
constexpr std::size_t kMaxBacklog = 1 << 20;
constexpr auto kBacklogPoll = std::chrono::milliseconds(5);
constexpr const char* kFailed = "255";

}  // namespace

RelayServer::RelayServer(EventLoop& loop, SshProcesses* node, ProcessSpec::Relay spec, int fd)
    : loop_(loop),
      node_(node),
      spec_(std::move(spec)),
      socket_(loop.io(), fd),
      backlog_timer_(loop.io()) {
  read();
}

RelayServer::~RelayServer() {
  *alive_ = false;
  if (remote_running_) {
    loop_.route(remote_, [](TransportEvent) {});  // what it still says goes nowhere
    node_->terminate(remote_);
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void RelayServer::read() {
  if (closed_ || refused_) return;
  socket_.async_read_some(
      asio::buffer(buf_), [this, alive = alive_](const boost::system::error_code& ec, std::size_t n) {
        if (!*alive) return;
        std::vector<RelayFrameDecoder::Frame> frames;
        if (auto error = decoder_.feed(std::string_view(buf_.data(), n), frames)) {
          return give_up("the relay sent something else than frames (" + *error + ")");
        }
        for (const RelayFrameDecoder::Frame& f : frames) on_frame(f);
        if (ec) return socket_done();
        resume_reading();
      });
}

void RelayServer::resume_reading() {
  if (!backlogged()) return read();
  backlog_timer_.expires_after(kBacklogPoll);
  backlog_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (*alive && !ec) resume_reading();
  });
}

// The relay (and the rsync that holds the socket's other end) is gone: so is its command.
void RelayServer::socket_done() {
  closed_ = true;
  if (remote_running_) node_->terminate(remote_);
}

bool RelayServer::backlogged() const {
  return remote_running_ && node_->stdin_backlog(remote_) > kMaxBacklog;
}

void RelayServer::on_frame(const RelayFrameDecoder::Frame& frame) {
  if (refused_) return;
  switch (frame.type) {
    case RelayFrame::kCommand:
      if (remote_ >= 0) return give_up("the relay asked for a second command");
      return start_command(frame.payload);
    case RelayFrame::kStdin:
      if (remote_running_) node_->write_stdin(remote_, frame.payload);
      return;
    case RelayFrame::kStdinEnd:
      if (remote_running_) node_->close_stdin(remote_);
      return;
    default:
      return give_up("the relay sent a frame meant for it");
  }
}

void RelayServer::start_command(const std::string& command) {
  if (!node_) {
    send(RelayFrame::kStderr, "distributest: node " + spec_.node + " is not connected\n");
    send(RelayFrame::kExit, kFailed);
    return;
  }
  remote_ = loop_.new_process_id();
  remote_running_ = true;
  loop_.route(remote_, [this](TransportEvent ev) { on_remote_event(std::move(ev)); });
  // As sshd would run it: the remote user's shell parses the command (rsync quotes its words
  // for exactly that); the prefix (the synced dir's busy lock) and the wrapper go around it.
  std::vector<std::string> argv = spec_.command_prefix;
  argv.insert(argv.end(), {"sh", "-c", command});
  node_->start(remote_, ProcessSpec{spec_.node, argv, {}, spec_.cwd, spec_.node + "/relay"});
}

void RelayServer::on_remote_event(TransportEvent ev) {
  switch (ev.kind) {
    case TransportEvent::Kind::kStdout:
      return send(RelayFrame::kStdout, ev.data);
    case TransportEvent::Kind::kStderr:
      return send(RelayFrame::kStderr, ev.data);
    case TransportEvent::Kind::kExited: {
      remote_running_ = false;
      if (!ev.error.empty()) send(RelayFrame::kStderr, "distributest: " + ev.error + "\n");
      int status = !ev.error.empty() || ev.node_lost ? 255
                   : ev.signal != 0                  ? 128 + ev.signal
                                                     : ev.exit_code;
      return send(RelayFrame::kExit, std::to_string(status));
    }
    case TransportEvent::Kind::kInterrupted:
      return;
  }
}

void RelayServer::send(RelayFrame type, std::string_view payload) {
  do {
    std::string_view part = payload.substr(0, kMaxRelayPayload);
    outbox_ += encode_relay_frame(type, part);
    payload.remove_prefix(part.size());
  } while (!payload.empty());
  flush();
}

void RelayServer::flush() {
  if (closed_ || !writing_.empty() || outbox_.empty()) return;
  writing_.swap(outbox_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [this, alive = alive_](const boost::system::error_code& ec, std::size_t) {
                      if (!*alive) return;
                      writing_.clear();
                      if (ec) return socket_done();
                      flush();
                    });
}

void RelayServer::give_up(const std::string& why) {
  send(RelayFrame::kStderr, "distributest: " + why + "\n");
  send(RelayFrame::kExit, kFailed);
  if (remote_running_) node_->terminate(remote_);
  refused_ = true;  // nothing more is read; what was just queued still goes out
}

}  // namespace dt
