#include "transport/ssh_relay.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "transport/relay_frames.h"
#include "util/fd_io.h"

namespace dt {

namespace {

constexpr int kFailed = 255;

int fail(const std::string& why) {
  std::string line = "distributest ssh relay: " + why + "\n";
  [[maybe_unused]] ssize_t ignored = write(2, line.data(), line.size());
  return kFailed;
}

// rsync-quoting: its -e parser honours quotes but not backslashes.
std::string rsync_word(const std::string& word) {
  if (word.find_first_of(" '\"") == std::string::npos) return word;
  if (word.find('\'') == std::string::npos) return "'" + word + "'";
  return "\"" + word + "\"";
}

// The remote command as ssh builds it: the words after the host, joined by spaces, for the
// remote shell to parse (rsync escapes its arguments for exactly that).
std::optional<std::string> remote_command_of(int argc, char** argv) {
  int i = 1;
  while (i < argc && (std::string_view(argv[i]) == "-l" || std::string_view(argv[i]) == "-p")) {
    i += 2;
  }
  if (i + 1 >= argc) return std::nullopt;  // no host, or no command after it
  std::string command;
  for (int w = i + 1; w < argc; ++w) {
    if (!command.empty()) command += ' ';
    command += argv[w];
  }
  return command;
}

// Writes what the master sent; returns the exit status once it arrives.
std::optional<int> deliver(const RelayFrameDecoder::Frame& frame) {
  switch (frame.type) {
    case RelayFrame::kStdout:
      if (write_all(1, frame.payload) != 0) return kFailed;
      break;
    case RelayFrame::kStderr:
      write_all(2, frame.payload);
      break;
    case RelayFrame::kExit:
      return std::atoi(frame.payload.c_str());
    default:
      return fail("unexpected frame from the master");
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> ssh_relay_argv() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  std::string self = n > 0 ? std::string(path, static_cast<std::size_t>(n)) : "distributest";
  std::string dir = self.substr(0, self.rfind('/') + 1);
  // Beside the binary in a build tree; in libexec once installed.
  for (const std::string& helper : {dir + kSshRelayProgram,
                                    dir + "../libexec/distributest/" + kSshRelayProgram}) {
    if (!dir.empty() && access(helper.c_str(), X_OK) == 0) return {helper};
  }
  return {self, kSshRelaySubcommand};
}

std::string ssh_relay_rsh() {
  std::string rsh;
  for (const std::string& word : ssh_relay_argv()) rsh += (rsh.empty() ? "" : " ") + rsync_word(word);
  return rsh;
}

int ssh_relay_main(int argc, char** argv) {
  const char* fd_text = std::getenv(kRelayFdVariable);
  int sock = fd_text ? std::atoi(fd_text) : -1;
  if (sock < 3) {
    return fail(std::string("not started by distributest (no ") + kRelayFdVariable +
                "); this is rsync's remote shell during a run, not a command to type");
  }
  std::optional<std::string> command = remote_command_of(argc, argv);
  if (!command) return fail(std::string("usage: ") + kSshRelayProgram + " [-l USER] HOST COMMAND...");
  if (write_all(sock, encode_relay_frame(RelayFrame::kCommand, *command)) != 0) {
    return fail("the master is gone");
  }
  RelayFrameDecoder decoder;
  bool stdin_open = true;
  std::string buf(65536, '\0');
  for (;;) {
    pollfd fds[2] = {{sock, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return fail(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[1].revents) {
      ssize_t n = read(0, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      std::string frame =
          n > 0 ? encode_relay_frame(RelayFrame::kStdin,
                                     std::string_view(buf.data(), static_cast<std::size_t>(n)))
                : encode_relay_frame(RelayFrame::kStdinEnd, "");
      bool sent = write_all(sock, frame) == 0;
      if (n <= 0) stdin_open = false;
      if (!sent) return fail("the master is gone");
    }
    if (fds[0].revents) {
      ssize_t n = read(sock, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fail("the master is gone");
      std::vector<RelayFrameDecoder::Frame> frames;
      if (auto error = decoder.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)),
                                    frames)) {
        return fail(*error);
      }
      for (const RelayFrameDecoder::Frame& f : frames) {
        if (std::optional<int> status = deliver(f)) return *status;
      }
    }
  }
}

}  // namespace dt
