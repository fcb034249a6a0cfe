#include "report/junit_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace dt {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

FileResult file(const std::string& path, FileStatus status, double duration = 1) {
  FileResult f;
  f.path = path;
  f.status = status;
  f.duration_seconds = duration;
  f.runner = "r1";
  f.node = "devbox";
  f.attempts = 1;
  return f;
}

RunResult sample_run() {
  RunResult r;
  FileResult x = file("spec/models/user_spec.rb", FileStatus::kFailed, 2.5);
  x.cases() = {{"signs in", "spec/models/user_spec.rb:5", "passed", 0.1, "", ""},
             {"rejects", "spec/models/user_spec.rb:9", "failed", 0.2, "expected 200\ngot 500",
              "user_spec.rb:10"},
             {"crashes", "spec/models/user_spec.rb:20", "error", 0.3, "boom", ""},
             {"later", "spec/models/user_spec.rb:30", "pending", 0, "", ""}};
  FileResult t = file("test/slow_test.py", FileStatus::kTimeout, 60);
  t.error() = "took longer than 60s";
  for (int i = 1; i <= 30; ++i) t.output() += "line " + std::to_string(i) + "\n";
  r.files = {x, t, file("test/ok_test.py", FileStatus::kPassed, 0.5),
             file("test/never_test.py", FileStatus::kNotRun, 0)};
  r.summary.wall_seconds = 61;
  return r;
}

TEST(JunitReportTest, SuitePerFileWithCounts) {
  std::string xml = junit_report(sample_run());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0), 0u);
  EXPECT_TRUE(contains(xml,
                       "<testsuites name=\"distributest\" tests=\"7\" failures=\"1\" "
                       "errors=\"2\" skipped=\"2\" time=\"61.000\">"))
      << xml;
  EXPECT_TRUE(contains(xml,
                       "<testsuite name=\"spec/models/user_spec.rb\" "
                       "file=\"spec/models/user_spec.rb\" tests=\"4\" failures=\"1\" "
                       "errors=\"1\" skipped=\"1\" time=\"2.500\" hostname=\"devbox\">"))
      << xml;
  EXPECT_TRUE(contains(xml, "<property name=\"runner\" value=\"r1\"/>"));
  EXPECT_TRUE(contains(xml,
                       "<testcase name=\"signs in\" classname=\"spec.models.user_spec\" "
                       "file=\"spec/models/user_spec.rb\" time=\"0.100\"/>"))
      << xml;
  EXPECT_TRUE(contains(xml,
                       "<failure message=\"expected 200\" type=\"failed\">expected 200\n"
                       "got 500\n\nuser_spec.rb:10</failure>"))
      << xml;
  EXPECT_TRUE(contains(xml, "<error message=\"boom\" type=\"error\">boom</error>"));
  EXPECT_TRUE(contains(xml, "<skipped/>"));
  EXPECT_EQ(xml.substr(xml.size() - 14), "</testsuites>\n");
}

TEST(JunitReportTest, FlakyAndEarlierAttemptsAreProperties) {
  RunResult r;
  FileResult f = file("test/flaky_test.py", FileStatus::kPassed);
  f.flaky = true;
  f.attempts = 2;
  f.earlier_attempts() = {{"n2", "ci_n2_1", 0.5, 1.25, "failed", "assert 1 == 2"}};
  r.files = {f, file("test/ok_test.py", FileStatus::kPassed)};
  std::string xml = junit_report(r);
  EXPECT_TRUE(contains(xml, "<property name=\"flaky\" value=\"true\"/>")) << xml;
  EXPECT_TRUE(contains(xml, "<property name=\"earlier_attempt\" "
                            "value=\"failed on ci_n2_1 (n2) after 1.250s: assert 1 == 2\"/>"))
      << xml;
  // Only the flaky file says so.
  EXPECT_EQ(xml.find("flaky\" value"), xml.rfind("flaky\" value"));
}

int occurrences(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

TEST(JunitReportTest, ASplitFileIsOneSuiteWithEveryPartsCases) {
  RunResult r;
  for (int i = 1; i <= 3; ++i) {
    FileResult p =
        file("spec/big_spec.rb", i == 2 ? FileStatus::kFailed : FileStatus::kPassed, 1.5 * i);
    p.selection = {i < 3 ? Selection::Kind::kOnly : Selection::Kind::kExcept, {"e1", "e2"}, i, 3};
    p.runner = "r" + std::to_string(i);
    p.started_seconds = i;
    p.examples = 2;
    p.failures = i == 2 ? 1 : 0;
    for (int c = 1; c <= 2; ++c) {
      std::string name = "example " + std::to_string(i) + "." + std::to_string(c);
      bool fails = i == 2 && c == 2;
      p.cases().push_back({name, "spec/big_spec.rb:" + std::to_string(10 * i + c),
                         fails ? "failed" : "passed", 0.25, fails ? "expected 1" : "", "",
                         "e" + std::to_string(i) + std::to_string(c)});
    }
    r.files.push_back(p);
  }
  r.files.push_back(file("spec/small_spec.rb", FileStatus::kPassed));
  merge_parts(r);
  std::string xml = junit_report(r);
  EXPECT_EQ(occurrences(xml, "<testsuite "), 2) << xml;
  EXPECT_EQ(occurrences(xml, "<testsuite name=\"spec/big_spec.rb\""), 1) << xml;
  EXPECT_TRUE(contains(xml,
                       "<testsuite name=\"spec/big_spec.rb\" file=\"spec/big_spec.rb\" "
                       "tests=\"6\" failures=\"1\" errors=\"0\" skipped=\"0\" "
                       "time=\"9.000\" hostname=\"devbox\">"))
      << xml;
  // Every part's cases, in part order, under the one suite.
  std::size_t suite = xml.find("<testsuite name=\"spec/big_spec.rb\"");
  std::size_t end = xml.find("</testsuite>", suite);
  std::size_t last = suite;
  for (const char* name :
       {"example 1.1", "example 1.2", "example 2.1", "example 2.2", "example 3.1", "example 3.2"}) {
    std::size_t at = xml.find(std::string("<testcase name=\"") + name + "\"", last);
    EXPECT_LT(at, end) << name << " not in the suite, or out of order";
    last = at;
  }
  EXPECT_TRUE(contains(xml, "<property name=\"parts\" value=\"3\"/>")) << xml;
  EXPECT_TRUE(contains(xml,
                       "<property name=\"part\" "
                       "value=\"2/3 failed on r2 (devbox) in 3.000s from 2.000s\"/>"))
      << xml;
  EXPECT_EQ(occurrences(xml, "<property name=\"part\""), 3);
  EXPECT_TRUE(contains(xml,
                       "<testsuites name=\"distributest\" tests=\"7\" failures=\"1\" "
                       "errors=\"0\" skipped=\"0\""))
      << xml;
  EXPECT_EQ(occurrences(xml, "name=\"parts\""), 1) << "only the split file has parts";
}

TEST(JunitReportTest, FileWithoutCasesGetsOneTestcase) {
  std::string xml = junit_report(sample_run());
  EXPECT_TRUE(contains(xml,
                       "<testsuite name=\"test/slow_test.py\" file=\"test/slow_test.py\" "
                       "tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\""))
      << xml;
  EXPECT_TRUE(contains(xml,
                       "<testcase name=\"test/slow_test.py\" classname=\"test.slow_test\" "
                       "file=\"test/slow_test.py\" time=\"60.000\">\n      <error "
                       "message=\"took longer than 60s\" type=\"timeout\">"))
      << xml;
  EXPECT_TRUE(contains(xml, "<system-out>took longer than 60s\n\nline 11\n"));
  EXPECT_TRUE(contains(xml, "line 30\n</system-out>"));
  EXPECT_FALSE(contains(xml, "line 10\n"));
  EXPECT_TRUE(contains(xml,
                       "<testcase name=\"test/ok_test.py\" classname=\"test.ok_test\" "
                       "file=\"test/ok_test.py\" time=\"0.500\"/>"));
  EXPECT_TRUE(contains(xml, "<skipped message=\"not run\"/>"));
}

TEST(JunitReportTest, FailedFileWithoutFailedCasesStillFails) {
  RunResult r;
  FileResult f = file("a_test.rb", FileStatus::kFailed);
  f.failures = 3;
  f.output() = "Expected 1, got 2\n";
  r.files = {f};
  std::string xml = junit_report(r);
  EXPECT_TRUE(contains(xml, "tests=\"1\" failures=\"1\" errors=\"0\""));
  EXPECT_TRUE(contains(xml,
                       "<failure message=\"the file failed (3 failures reported, no "
                       "details)\" type=\"failed\">"))
      << xml;
  EXPECT_TRUE(contains(xml, "<system-out>Expected 1, got 2\n</system-out>"));
}

TEST(JunitReportTest, EscapesAndStripsWhatXmlCannotHold) {
  RunResult r;
  FileResult f = file("spec/a&b<c>_spec.rb", FileStatus::kFailed);
  f.cases() = {{"says \"hi\" & 'bye' <b>", "x:1", "failed", 0,
              "\x1b[31mred\x1b[0m\x01\x02 line\nnext\ttab\r", "bad \xff byte ]]> end"}};
  r.files = {f};
  std::string xml = junit_report(r);
  EXPECT_TRUE(contains(xml, "name=\"spec/a&amp;b&lt;c&gt;_spec.rb\"")) << xml;
  EXPECT_TRUE(contains(xml, "classname=\"spec.a&amp;b&lt;c&gt;_spec\""));
  EXPECT_TRUE(contains(xml, "name=\"says &quot;hi&quot; &amp; &apos;bye&apos; &lt;b&gt;\""));
  EXPECT_TRUE(contains(xml,
                       "<failure message=\"red line\" type=\"failed\">red line\nnext\ttab"
                       "&#13;\n\nbad \xef\xbf\xbd byte ]]&gt; end</failure>"))
      << xml;
  EXPECT_FALSE(contains(xml, "\x1b"));
  EXPECT_FALSE(contains(xml, "\x01"));
}

TEST(JunitReportTest, NewlinesInAttributesSurvive) {
  RunResult r;
  FileResult f = file("a", FileStatus::kPassed);
  f.cases() = {{"multi\nline\tname", "", "passed", 0, "", ""}};
  r.files = {f};
  EXPECT_TRUE(contains(junit_report(r), "name=\"multi&#10;line&#9;name\""));
}

// Optional: xmllint, when installed, confirms well-formedness; the tests above don't need it.
TEST(JunitReportTest, WellFormedPerXmllint) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xmllint";
  RunResult r = sample_run();
  r.files[0].cases()[1].message = "ctl\x01\x1b[1m & <tags> \xfe\xff \xc3\xa9 \xef\xbf\xbf";
  std::string path = ::testing::TempDir() + "/junit_report_test.xml";
  ASSERT_EQ(write_junit_report(r, path), "");
  EXPECT_EQ(std::system(("xmllint --noout '" + path + "'").c_str()), 0);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), junit_report(r));
}

TEST(JunitReportTest, WriteErrors) {
  EXPECT_NE(write_junit_report(RunResult{}, "/nonexistent-dir/j.xml"), "");
}

}  // namespace
}  // namespace dt
