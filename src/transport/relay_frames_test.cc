#include "transport/relay_frames.h"

#include <gtest/gtest.h>

namespace dt {
namespace {

TEST(RelayFramesTest, FramesSurviveAnySplitOfTheStream) {
  std::string stream = encode_relay_frame(RelayFrame::kCommand, "rsync --server -logDtpre. . x") +
                       encode_relay_frame(RelayFrame::kStdin, std::string("\0\x01\xff", 3)) +
                       encode_relay_frame(RelayFrame::kStdinEnd, "") +
                       encode_relay_frame(RelayFrame::kExit, "23");
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    RelayFrameDecoder decoder;
    std::vector<RelayFrameDecoder::Frame> frames;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      ASSERT_FALSE(decoder.feed(std::string_view(stream).substr(at, chunk), frames));
    }
    ASSERT_EQ(frames.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(frames[0].type, RelayFrame::kCommand);
    EXPECT_EQ(frames[0].payload, "rsync --server -logDtpre. . x");
    EXPECT_EQ(frames[1].payload, std::string("\0\x01\xff", 3));
    EXPECT_EQ(frames[2].type, RelayFrame::kStdinEnd);
    EXPECT_EQ(frames[2].payload, "");
    EXPECT_EQ(frames[3].payload, "23");
    EXPECT_FALSE(decoder.partial());
  }
}

TEST(RelayFramesTest, AnUnknownTypeOrAnOversizedFrameIsAnError) {
  RelayFrameDecoder decoder;
  std::vector<RelayFrameDecoder::Frame> frames;
  EXPECT_TRUE(decoder.feed(std::string("Z\0\0\0\0", 5), frames));

  RelayFrameDecoder big;
  std::string header = std::string("I") + std::string("\x7f\0\0\0", 4);
  EXPECT_TRUE(big.feed(header, frames));
  EXPECT_TRUE(frames.empty());
}

}  // namespace
}  // namespace dt
