// The framing between the SSH relay (the process rsync runs as its remote shell) and the
// master, over the socket the master hands the relay. Each frame is one type byte, a 4-byte
// big-endian length and the payload. Internal to the transport module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dt {

enum class RelayFrame : char {
  // relay -> master
  kCommand = 'C',  // the remote command, as ssh would send it (the words joined by spaces)
  kStdin = 'I',    // bytes for the command's stdin
  kStdinEnd = 'E', // the relay's stdin ended
  // master -> relay
  kStdout = 'O',
  kStderr = 'R',
  kExit = 'X',     // the exit status, in decimal: the relay exits with it
};

// The largest payload either side sends or accepts.
inline constexpr std::size_t kMaxRelayPayload = 1 << 20;

std::string encode_relay_frame(RelayFrame type, std::string_view payload);

// Splits a byte stream into frames, whatever the chunks it arrives in.
class RelayFrameDecoder {
 public:
  struct Frame {
    RelayFrame type;
    std::string payload;
  };
  // Appends the complete frames in `data` (with what came before) to `out`. Returns an error
  // for a frame of unknown type or over kMaxRelayPayload; the stream is unusable after that.
  std::optional<std::string> feed(std::string_view data, std::vector<Frame>& out);
  // Bytes of a frame not complete yet.
  bool partial() const { return !buffer_.empty(); }

 private:
  std::string buffer_;
};

}  // namespace dt
