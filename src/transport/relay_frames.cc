#include "transport/relay_frames.h"

namespace dt {

namespace {

constexpr std::size_t kHeader = 5;

bool known_type(char c) {
  switch (static_cast<RelayFrame>(c)) {
    case RelayFrame::kCommand:
    case RelayFrame::kStdin:
    case RelayFrame::kStdinEnd:
    case RelayFrame::kStdout:
    case RelayFrame::kStderr:
    case RelayFrame::kExit:
      return true;
  }
  return false;
}

}  // namespace

std::string encode_relay_frame(RelayFrame type, std::string_view payload) {
  std::string out;
  out.reserve(kHeader + payload.size());
  out += static_cast<char>(type);
  auto n = static_cast<std::uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  out += payload;
  return out;
}

std::optional<std::string> RelayFrameDecoder::feed(std::string_view data, std::vector<Frame>& out) {
  buffer_ += data;
  std::size_t at = 0;
  while (buffer_.size() - at >= kHeader) {
    char type = buffer_[at];
    if (!known_type(type)) {
      return "unknown relay frame type " + std::to_string(static_cast<unsigned char>(type));
    }
    std::uint32_t n = 0;
    for (std::size_t i = 1; i < kHeader; ++i) {
      n = (n << 8) | static_cast<unsigned char>(buffer_[at + i]);
    }
    if (n > kMaxRelayPayload) return "relay frame of " + std::to_string(n) + " bytes";
    if (buffer_.size() - at - kHeader < n) break;
    out.push_back(Frame{static_cast<RelayFrame>(type), buffer_.substr(at + kHeader, n)});
    at += kHeader + n;
  }
  buffer_.erase(0, at);
  return std::nullopt;
}

}  // namespace dt
