#include "report/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dt {
namespace {

struct Recorder {
  std::vector<std::string> lines;
  LineSplitter::Sink sink() {
    return [this](const std::string& source, std::string_view line) {
      lines.push_back(source + "|" + std::string(line));
    };
  }
};

TEST(LineSplitterTest, WholeLines) {
  LineSplitter s;
  Recorder r;
  s.feed("a", "one\ntwo\n", r.sink());
  EXPECT_EQ(r.lines, (std::vector<std::string>{"a|one", "a|two"}));
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(LineSplitterTest, PartialLinesWaitPerSource) {
  LineSplitter s;
  Recorder r;
  s.feed("a", "hel", r.sink());
  s.feed("b", "other\nrest", r.sink());
  s.feed("a", "lo\nwor", r.sink());
  EXPECT_EQ(r.lines, (std::vector<std::string>{"b|other", "a|hello"}));
  EXPECT_EQ(s.buffered(), 7u);  // "rest" + "wor"
  s.flush("a", r.sink());
  EXPECT_EQ(r.lines.back(), "a|wor");
  s.flush_all(r.sink());
  EXPECT_EQ(r.lines.back(), "b|rest");
  EXPECT_EQ(s.buffered(), 0u);
  s.flush_all(r.sink());
  EXPECT_EQ(r.lines.size(), 4u);  // nothing more
}

TEST(LineSplitterTest, StripsCarriageReturnBeforeNewline) {
  LineSplitter s;
  Recorder r;
  s.feed("a", "dos\r\nunix\n\n", r.sink());
  EXPECT_EQ(r.lines, (std::vector<std::string>{"a|dos", "a|unix", "a|"}));
}

TEST(LineSplitterTest, LongLineWithoutNewlineIsCutAtTheCap) {
  LineSplitter s(16);
  Recorder r;
  std::string chunk(10, 'x');
  for (int i = 0; i < 100; ++i) {
    s.feed("a", chunk, r.sink());
    ASSERT_LT(s.buffered(), 16u);
  }
  EXPECT_EQ(r.lines.size(), 1000u / 16);
  EXPECT_EQ(r.lines[0], "a|" + std::string(16, 'x'));
  s.flush_all(r.sink());
  EXPECT_EQ(r.lines.back(), "a|" + std::string(1000 % 16, 'x'));
}

}  // namespace
}  // namespace dt
