#include "transport/testing/fake_transport.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runner/protocol.h"

namespace dt {
namespace {

// What a fake runner says, in order, until it has nothing more to say (the fake then reports a
// deadlock): stdout and stderr as one tagged list.
std::vector<std::string> run(FakeTransport& t, int process, const std::string& lines) {
  std::vector<std::string> said;
  bool fed = false;
  while (auto ev = t.wait(Clock::time_point::max())) {
    if (ev->kind == TransportEvent::Kind::kExited) break;
    if (ev->kind == TransportEvent::Kind::kInterrupted) break;
    std::string tag = ev->kind == TransportEvent::Kind::kStdout ? "out: " : "err: ";
    said.push_back(tag + ev->data);
    if (!fed && ev->data.find("@distributest hello") != std::string::npos) {
      t.write_stdin(process, lines);
      fed = true;
    }
  }
  return said;
}

// A file's end (marker, then record) is made when it comes up; a line that comes before the last
// one's end still gets its own, with its own path, in order.
TEST(FakeTransportTest, EachFileEndsWithItsMarkerThenItsOwnRecord) {
  FakeTransport t;
  t.files["slow.py"].seconds = 2;
  t.files["fast.py"].seconds = 1;
  t.files["loud.py"].output = "hello\n";
  int p = t.start(ProcessSpec{"local", {"fake-runner"}, {}, "", "r1"});
  std::vector<std::string> said = run(t, p, "slow.py\nfast.py\nloud.py\n");
  EXPECT_TRUE(t.deadlocked);  // it waits for more lines, as a runner does
  std::vector<std::string> ends;
  for (const std::string& s : said) {
    if (s.starts_with("err: ") || s.find("result") != std::string::npos) ends.push_back(s);
  }
  std::string marker = "err: " + std::string(kEndMarker);
  ASSERT_EQ(ends.size(), 6u) << testing::PrintToString(said);
  // fast.py was given while slow.py ran, so it ends first: the fake runs lines as they come.
  EXPECT_EQ(ends[0], marker);
  EXPECT_NE(ends[1].find("\"path\":\"fast.py\""), std::string::npos) << ends[1];
  EXPECT_EQ(ends[2], "err: hello\n" + std::string(kEndMarker));
  EXPECT_NE(ends[3].find("\"path\":\"loud.py\""), std::string::npos) << ends[3];
  EXPECT_EQ(ends[4], marker);
  EXPECT_NE(ends[5].find("\"path\":\"slow.py\",\"status\":\"passed\",\"duration\":2.000"),
            std::string::npos)
      << ends[5];
}

}  // namespace
}  // namespace dt
