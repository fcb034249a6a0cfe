#include "report/text_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace dt {
namespace {

TEST(TailLinesTest, LastLines) {
  EXPECT_EQ(tail_lines("a\nb\nc\nd\n", 2), "c\nd\n");
  EXPECT_EQ(tail_lines("a\nb\nc\nd", 2), "c\nd");
  EXPECT_EQ(tail_lines("a\nb\n", 5), "a\nb\n");
  EXPECT_EQ(tail_lines("a\nb\n", 0), "");
  EXPECT_EQ(tail_lines("", 3), "");
}

TEST(FormatDurationTest, SecondsMinutesHours) {
  EXPECT_EQ(format_duration(12.34, true), "12.3s");
  EXPECT_EQ(format_duration(12.34, false), "12s");
  EXPECT_EQ(format_duration(-1, true), "0.0s");
  EXPECT_EQ(format_duration(125, true), "2m05s");
  EXPECT_EQ(format_duration(3720, false), "1h02m");
}

TEST(CountNounTest, SingularOnlyForOne) {
  EXPECT_EQ(count_noun(1, "file", "files"), "1 file");
  EXPECT_EQ(count_noun(0, "file", "files"), "0 files");
  EXPECT_EQ(count_noun(3, "file", "files"), "3 files");
}

TEST(StripAnsiTest, RemovesColoursTitlesAndLinks) {
  EXPECT_EQ(strip_ansi("\x1b[1;31mred\x1b[0m plain"), "red plain");
  EXPECT_EQ(strip_ansi("\x1b]0;title\x07text"), "text");
  EXPECT_EQ(strip_ansi("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
  EXPECT_EQ(strip_ansi("\x1b(Bok\x1b"), "ok");
}

TEST(SanitizeUtf8Test, ReplacesInvalidBytes) {
  EXPECT_EQ(sanitize_utf8("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
  EXPECT_EQ(sanitize_utf8("a\xff"
                          "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(sanitize_utf8("\xc0\x80"), "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong NUL
  EXPECT_EQ(sanitize_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_EQ(sanitize_utf8("x\xe2\x9c"), "x\xef\xbf\xbd\xef\xbf\xbd");                // truncated
  EXPECT_EQ(sanitize_utf8("\xf4\x90\x80\x80").substr(0, 3), "\xef\xbf\xbd");         // > U+10FFFF
}

TEST(SanitizeUtf8Test, XmlDropsForbiddenCharacters) {
  EXPECT_EQ(sanitize_utf8("a\x01\x08\x1f"
                          "b\t\n\rc",
                          true),
            "ab\t\n\rc");
  EXPECT_EQ(sanitize_utf8(std::string("n\0ul", 4), true), "nul");
  EXPECT_EQ(sanitize_utf8("x\xef\xbf\xbfy", true), "xy");  // U+FFFF
  EXPECT_EQ(sanitize_utf8("a\x01"
                          "b",
                          false),
            "a\x01"
            "b");
}

TEST(PrintableTest, NeutralisesControls) {
  EXPECT_EQ(printable("a\x1b[2Jb\nc"), "a?[2Jb?c");
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m"),
            "?31m");  // C1 CSI
  EXPECT_EQ(printable("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
}

TEST(ElideMiddleTest, KeepsBothEnds) {
  EXPECT_EQ(elide_middle("short", 10), "short");
  EXPECT_EQ(elide_middle("spec/models/user_spec.rb", 12), "spec/...c.rb");
  EXPECT_EQ(elide_middle("abcdef", 2), "..");
  std::string accents = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
  std::string cut = elide_middle(accents, 5);
  EXPECT_EQ(cut, "\xc3\xa9...\xc3\xa9");
  EXPECT_EQ(display_width(cut), 5u);
}

TEST(WriteTextFileTest, WritesAndReportsErrors) {
  std::string path = ::testing::TempDir() + "/text_util_test.txt";
  ASSERT_EQ(write_text_file(path, "hello\n"), "");
  std::ifstream in(path);
  std::stringstream got;
  got << in.rdbuf();
  EXPECT_EQ(got.str(), "hello\n");
  std::string err = write_text_file("/nonexistent-dir/x.txt", "x");
  EXPECT_NE(err.find("/nonexistent-dir/x.txt"), std::string::npos) << err;
}

}  // namespace
}  // namespace dt
