#include "report/github_annotations.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "report/status_printer.h"

namespace dt {
namespace {

CaseResult failed_case(const std::string& name, const std::string& location,
                       const std::string& message, const std::string& backtrace = "") {
  CaseResult c;
  c.name = name;
  c.location = location;
  c.status = "failed";
  c.message = message;
  c.backtrace = backtrace;
  return c;
}

FileResult file(const std::string& path, FileStatus status, std::vector<CaseResult> cases = {}) {
  FileResult f;
  f.path = path;
  f.status = status;
  f.runner = "box_local_1";
  f.attempts = 1;
  f.cases() = std::move(cases);
  for (const CaseResult& c : f.cases()) f.failures += c.status == "failed";
  return f;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string annotations(const RunResult& result, const std::string& prefix = "") {
  return github_annotations(result, GithubAnnotationOptions{prefix});
}

TEST(GithubAnnotations, EscapesDataAndPropertiesAsTheToolkitDoes) {
  EXPECT_EQ(escape_command_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
  EXPECT_EQ(escape_command_property("100% a\r\nb: c, d"), "100%25 a%0D%0Ab%3A c%2C d");
  // '%' first, as the toolkit does: an escape already in the text is not taken for one.
  EXPECT_EQ(escape_command_data("%0A"), "%250A");
  EXPECT_EQ(escape_command_property("::error"), "%3A%3Aerror");
}

TEST(GithubAnnotations, OneErrorPerFailedExampleWithItsFileLineAndName) {
  RunResult result;
  CaseResult passed = failed_case("passes", "spec/a_spec.rb:3", "");
  passed.status = "passed";
  result.files.push_back(file("spec/a_spec.rb", FileStatus::kFailed,
                              {passed, failed_case("A adds", "spec/a_spec.rb:7", "expected 2"),
                               failed_case("A subtracts", "spec/a_spec.rb:11", "expected 0")}));
  result.files.push_back(file("spec/b_spec.rb", FileStatus::kPassed));
  EXPECT_EQ(annotations(result),
            "::error file=spec/a_spec.rb,line=7,title=A adds::expected 2%0A(runner box_local_1)\n"
            "::error file=spec/a_spec.rb,line=11,title=A subtracts::expected 0%0A(runner "
            "box_local_1)\n");
}

TEST(GithubAnnotations, AMultiLineMessageIsOneLineAndPropertiesAreEscaped) {
  RunResult result;
  result.files.push_back(file(
      "tests/test_a,b:c.py", FileStatus::kFailed,
      {failed_case("tests/test_a,b:c.py::test_x", "tests/test_a,b:c.py:4",
                   "AssertionError: line one\n  line two\r\nassert 1 == 2\n\n")}));
  EXPECT_EQ(annotations(result, "sub/app/"),
            "::error file=sub/app/tests/test_a%2Cb%3Ac.py,line=4,title=tests/test_a%2Cb%3Ac.py%3A%3A"
            "test_x::AssertionError: line one%0A  line two%0D%0Aassert 1 == 2%0A(runner "
            "box_local_1)\n");
}

TEST(GithubAnnotations, NoLineWhenNothingNamesTheFile) {
  RunResult result;
  result.files.push_back(file("t/a.rb", FileStatus::kFailed,
                              {failed_case("shared", "t/helpers.rb:3", "boom"),
                               failed_case("nowhere", "", "boom")}));
  for (const std::string& line : lines_of(annotations(result))) {
    EXPECT_EQ(line.find(",line="), std::string::npos) << line;
    EXPECT_TRUE(line.starts_with("::error file=t/a.rb,title=")) << line;
  }
}

TEST(GithubAnnotations, TheLineIsTheInnermostFrameInTheTestsFile) {
  // RSpec: innermost first; the example's own line is the fallback.
  CaseResult rspec = failed_case("x", "spec/a_spec.rb:5", "m",
                                 "./lib/calc.rb:2:in `add'\n"
                                 "./spec/a_spec.rb:9:in `helper'\n"
                                 "./spec/a_spec.rb:6:in `block (2 levels) in <top (required)>'");
  EXPECT_EQ(failure_line(rspec, "spec/a_spec.rb"), 9);
  // pytest: innermost last ("path:N: in name" with --tb=short, "path:N: Error" at the end).
  CaseResult pytest = failed_case("t", "tests/test_a.py:3", "m",
                                  "    def test_x():\n>       helper(1)\n\ntests/test_a.py:5: \n"
                                  "_ _ _\n>       assert x == 2\nE   assert 1 == 2\n\n"
                                  "tests/test_a.py:2: AssertionError");
  EXPECT_EQ(failure_line(pytest, "tests/test_a.py"), 2);
  // A Ruby file loaded by its full path.
  CaseResult minitest = failed_case("t", "", "m", "/home/ci/app/test/a_test.rb:12:in `test_x'");
  EXPECT_EQ(failure_line(minitest, "test/a_test.rb"), 12);
  // No frame in the file: the location; a longer file name or a non-number is not a match.
  CaseResult located = failed_case("t", "tests/test_a.py:3", "m",
                                   "tests/test_a.pyc:8: x\ntests/test_a.py:x: y\nlib/tests/test_a.py:4: z");
  EXPECT_EQ(failure_line(located, "tests/test_a.py"), 3);
  EXPECT_EQ(failure_line(failed_case("t", "tests/test_a.py", "m"), "tests/test_a.py"), 0);
}

TEST(GithubAnnotations, AFlakyFileIsOneWarningNotAnError) {
  RunResult result;
  FileResult f = file("spec/flaky_spec.rb", FileStatus::kPassed);
  f.flaky = true;
  f.attempts = 2;
  f.runner = "box_local_2";
  f.error() = "failed on box_local_1 (attempt 1): Flaky sometimes";
  result.files.push_back(f);
  EXPECT_EQ(annotations(result),
            "::warning file=spec/flaky_spec.rb,title=flaky%3A spec/flaky_spec.rb::failed, then passed "
            "on a rerun: failed on box_local_1 (attempt 1): Flaky sometimes; passed on box_local_2 "
            "(attempt 2)\n");
}

TEST(GithubAnnotations, ACrashOrTimeoutIsAnnotatedOnTheFileItself) {
  RunResult result;
  FileResult crashed = file("t/crash.sh", FileStatus::kError);
  crashed.error() = "its runner died: killed by signal 9";
  crashed.output() = "starting\n\x1b[31mlast words\x1b[0m\n";
  FileResult timed_out = file("t/hang.sh", FileStatus::kTimeout);
  FileResult no_detail = file("t/fail.sh", FileStatus::kFailed);
  no_detail.failures = 1;
  result.files = {crashed, timed_out, no_detail};
  EXPECT_EQ(annotations(result),
            "::error file=t/crash.sh,title=t/crash.sh%3A error::its runner died: killed by signal 9"
            "%0A(runner box_local_1)%0Athe end of its output:%0Astarting%0Alast words\n"
            "::error file=t/hang.sh,title=t/hang.sh%3A timeout::timeout%0A(runner box_local_1)\n"
            "::error file=t/fail.sh,title=t/fail.sh failed::1 failure (runner box_local_1)\n");
}

TEST(GithubAnnotations, ACollectionErrorPointsAtTheLineItsTracebackNames) {
  RunResult result;
  FileResult f = file("tests/test_bad.py", FileStatus::kError);
  f.error() = "error collecting tests/test_bad.py:\ntests/test_bad.py:3: in <module>\n    import nope\n"
            "E   ModuleNotFoundError: No module named 'nope'";
  result.files.push_back(f);
  std::vector<std::string> lines = lines_of(annotations(result));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("::error file=tests/test_bad.py,line=3,title=")) << lines[0];
}

TEST(GithubAnnotations, AtMostFiftyErrorsFirstAndTheLastLineSaysHowManyMore) {
  RunResult result;
  for (int i = 0; i < 55; ++i) {
    FileResult f = file("t/f" + std::to_string(i) + ".sh", FileStatus::kError);
    result.files.push_back(f);
  }
  FileResult flaky = file("t/flaky.sh", FileStatus::kPassed);
  flaky.flaky = true;
  result.files.insert(result.files.begin(), flaky);  // listed first, annotated after the errors
  std::vector<std::string> lines = lines_of(annotations(result));
  ASSERT_EQ(lines.size(), kMaxAnnotations);
  EXPECT_TRUE(lines[0].starts_with("::error file=t/f0.sh,")) << lines[0];
  EXPECT_TRUE(lines[48].starts_with("::error file=t/f48.sh,")) << lines[48];
  EXPECT_EQ(lines[49],
            "::error title=distributest::6 more failures and 1 more flaky files are not annotated "
            "(GitHub keeps 50 annotations per job); the job log lists them all");
}

TEST(GithubAnnotations, ALongMessageIsCutShort) {
  RunResult result;
  std::string message;
  for (int i = 0; i < 100; ++i) message += "diff line " + std::to_string(i) + "\n";
  result.files.push_back(file("t/a.py", FileStatus::kFailed, {failed_case("t", "", message)}));
  std::string out = annotations(result);
  EXPECT_NE(out.find("diff line 19%0A(cut short: the job log has the rest)"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("diff line 20"), std::string::npos);
}

TEST(GithubAnnotations, OnlyWhenGithubActionsIsTrue) {
  EXPECT_FALSE(github_annotation_options(nullptr, nullptr, "/p"));
  EXPECT_FALSE(github_annotation_options("false", nullptr, "/p"));
  EXPECT_FALSE(github_annotation_options("1", nullptr, "/p"));
  EXPECT_FALSE(github_annotation_options("", "/p", "/p"));
  auto options = github_annotation_options("true", nullptr, "/p");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->path_prefix, "");
}

TEST(GithubAnnotations, PathsAreFromTheWorkspaceWhenTheProjectIsBelowIt) {
  const char* ws = "/nonexistent-dt-ws/repo";
  EXPECT_EQ(github_annotation_options("true", ws, "/nonexistent-dt-ws/repo")->path_prefix, "");
  EXPECT_EQ(github_annotation_options("true", ws, "/nonexistent-dt-ws/repo/examples/app")->path_prefix,
            "examples/app/");
  EXPECT_EQ(github_annotation_options("true", "/nonexistent-dt-ws/repo/", "/nonexistent-dt-ws/repo/a")
                ->path_prefix,
            "a/");
  EXPECT_EQ(github_annotation_options("true", ws, "/nonexistent-dt-ws/repo2/app")->path_prefix, "");
  EXPECT_EQ(github_annotation_options("true", ws, "/elsewhere")->path_prefix, "");
  EXPECT_EQ(github_annotation_options("true", "", "/p/q")->path_prefix, "");
}

// The console's summary is where they are printed: after it, and only when asked for.
TEST(GithubAnnotations, TheStatusPrinterPrintsThemAfterTheSummary) {
  RunResult result;
  result.files.push_back(
      file("spec/a_spec.rb", FileStatus::kFailed, {failed_case("A adds", "spec/a_spec.rb:7", "no")}));
  summarize(result, 1);
  for (bool github : {false, true}) {
    char* buf = nullptr;
    std::size_t len = 0;
    std::FILE* out = open_memstream(&buf, &len);
    StatusPrinter::Options o;
    o.out = out;
    o.err = out;
    o.clock = [] { return 0.0; };
    if (github) o.github = GithubAnnotationOptions{"app/"};
    StatusPrinter printer(o);
    printer.run_finished(result);
    std::fclose(out);
    std::string text(buf, len);
    std::free(buf);
    std::size_t at = text.find("::error");
    if (!github) {
      EXPECT_EQ(at, std::string::npos) << text;
      continue;
    }
    ASSERT_NE(at, std::string::npos) << text;
    EXPECT_GT(at, text.find("Finished in")) << text;
    EXPECT_EQ(text.substr(at),
              "::error file=app/spec/a_spec.rb,line=7,title=A adds::no%0A(runner box_local_1)\n");
  }
}

}  // namespace
}  // namespace dt
