#include "report/status_printer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "report/run_log.h"
#include "report/text_util.h"

namespace dt {
namespace {

FileResult file(const std::string& path, FileStatus status, const std::string& runner,
                double duration = 1) {
  FileResult f;
  f.path = path;
  f.status = status;
  f.runner = runner;
  f.duration_seconds = duration;
  f.attempts = 1;
  return f;
}

class StatusPrinterTest : public ::testing::Test {
 protected:
  StatusPrinterTest()
      : out_file_(open_memstream(&out_buf_, &out_len_)),
        err_file_(open_memstream(&err_buf_, &err_len_)) {}
  ~StatusPrinterTest() override {
    std::fclose(out_file_);
    std::fclose(err_file_);
    std::free(out_buf_);
    std::free(err_buf_);
  }
  StatusPrinter::Options options(int verbosity, bool tty = false) {
    StatusPrinter::Options o;
    o.out = out_file_;
    o.err = err_file_;
    o.tty = tty;
    o.verbosity = verbosity;
    o.width = 200;
    o.clock = [this] { return now_; };
    return o;
  }
  std::string out() {
    std::fflush(out_file_);
    return std::string(out_buf_, out_len_);
  }
  std::string err() {
    std::fflush(err_file_);
    return std::string(err_buf_, err_len_);
  }
  // What the terminal shows last on the status line.
  std::string last_status_line() {
    std::string s = out();
    std::size_t cr = s.rfind('\r');
    std::string line = cr == std::string::npos ? s : s.substr(cr + 1);
    std::size_t erase = line.rfind("\x1b[K");
    return erase == std::string::npos ? line : line.substr(0, erase);
  }
  char* out_buf_ = nullptr;
  char* err_buf_ = nullptr;
  std::size_t out_len_ = 0;
  std::size_t err_len_ = 0;
  std::FILE* out_file_;
  std::FILE* err_file_;
  double now_ = 100;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(WantColorTest, HonoursSettingTerminalAndNoColor) {
  unsetenv("NO_COLOR");
  setenv("TERM", "xterm", 1);
  EXPECT_TRUE(want_color("auto", true));
  EXPECT_FALSE(want_color("auto", false));
  EXPECT_TRUE(want_color("always", false));
  EXPECT_FALSE(want_color("never", true));
  setenv("NO_COLOR", "", 1);  // set but empty: no effect
  EXPECT_TRUE(want_color("auto", true));
  setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(want_color("auto", true));
  EXPECT_TRUE(want_color("always", true));
  unsetenv("NO_COLOR");
  setenv("TERM", "dumb", 1);
  EXPECT_FALSE(want_color("auto", true));
  setenv("TERM", "xterm", 1);
}

TEST_F(StatusPrinterTest, VerbosePlainLinePerFile) {
  StatusPrinter p(options(1));
  p.run_started(12, 2);
  p.file_finished(file("spec/a_spec.rb", FileStatus::kPassed, "devbox_local_2", 1.234), 1, 12, 0);
  FileResult b = file("spec/b_spec.rb", FileStatus::kError, "r1", 0.5);
  b.attempts = 2;
  b.error() = "LoadError: no such file\nmore";
  p.file_finished(b, 2, 12, 1);
  EXPECT_EQ(out(),
            "[ 1/12] passed  1.23s  spec/a_spec.rb  (runner devbox_local_2)\n"
            "[ 2/12] error   0.50s  spec/b_spec.rb  (runner r1, attempt 2): LoadError: no such "
            "file\n");
}

TEST_F(StatusPrinterTest, APartSaysWhichPartItIsAsItFinishes) {
  StatusPrinter p(options(1));
  p.run_started(3, 2);
  FileResult part = file("spec/big_spec.rb", FileStatus::kFailed, "r2", 2);
  part.selection = Selection{Selection::Kind::kExcept, {"x"}, 3, 3};
  p.file_finished(part, 1, 3, 1);
  EXPECT_EQ(out(), "[1/3] failed  2.00s  spec/big_spec.rb (part 3/3)  (runner r2)\n");
}

TEST_F(StatusPrinterTest, PlainDefaultShowsFailuresAndEachTenth) {
  StatusPrinter p(options(0));
  p.run_started(20, 2);
  for (int done = 1; done <= 20; ++done) {
    now_ += 1;
    FileStatus s = done == 3 ? FileStatus::kFailed : FileStatus::kPassed;
    p.file_finished(file("f" + std::to_string(done), s, "r1"), done, 20, done >= 3 ? 1 : 0);
  }
  std::string o = out();
  EXPECT_FALSE(contains(o, "passed"));
  EXPECT_TRUE(contains(o, "[ 3/20] failed  1.00s  f3  (runner r1)\n"));
  EXPECT_TRUE(contains(o, "[10%] 2/20 files, 0 failed, elapsed 2s, ETA 18s\n"));
  EXPECT_TRUE(contains(o, "[90%] 18/20 files, 1 failed"));
  EXPECT_FALSE(contains(o, "[100%]"));
  EXPECT_EQ(std::count(o.begin(), o.end(), '\n'), 10);  // 9 tenths + 1 failure
}

TEST_F(StatusPrinterTest, TtyStatusLineWithEta) {
  StatusPrinter p(options(0, true));
  p.run_started(4, 2);
  p.file_started("r1", "spec/a_spec.rb");
  p.file_started("r2", "spec/b_spec.rb");
  now_ += 10;
  p.file_finished(file("spec/a_spec.rb", FileStatus::kPassed, "r1"), 1, 4, 0);
  EXPECT_EQ(last_status_line(), "[1/4] 0 failed  elapsed 10s  ETA 30s  (r2: spec/b_spec.rb)");
  EXPECT_FALSE(contains(out(), "\n"));  // rewritten in place, never scrolled
}

TEST_F(StatusPrinterTest, TtyStatusLineTakesTheEnginesEtaFromHistory) {
  StatusPrinter p(options(0, true));
  p.run_started(4, 2);
  p.file_started("r1", "spec/a_spec.rb");
  p.file_started("r2", "spec/b_spec.rb");
  now_ += 10;
  p.eta(4);  // the slowest went first: far less than the 30 s the file count suggests
  p.file_finished(file("spec/a_spec.rb", FileStatus::kPassed, "r1"), 1, 4, 0);
  EXPECT_EQ(last_status_line(), "[1/4] 0 failed  elapsed 10s  ETA 4s  (r2: spec/b_spec.rb)");
  p.eta(-1);  // no history: back to the count
  p.refresh();
  EXPECT_TRUE(contains(last_status_line(), "ETA 30s")) << last_status_line();
}

TEST_F(StatusPrinterTest, TtyStatusLineShowsEachNodesState) {
  StatusPrinter p(options(0, true));
  p.runner_placed("a_n1_1", "n1");
  p.runner_placed("a_n1_2", "n1");
  p.runner_placed("a_n2_1", "n2");
  p.run_started(4, 3);
  p.file_started("a_n1_1", "x");
  EXPECT_TRUE(contains(last_status_line(), "  n1 1/2 busy  n2 0/1 busy")) << last_status_line();
  p.node_lost("n2");
  EXPECT_TRUE(contains(last_status_line(), "  n1 1/2 busy  n2 lost")) << last_status_line();
}

TEST_F(StatusPrinterTest, TtyPrintsFailuresAboveTheStatusLine) {
  StatusPrinter p(options(0, true));
  p.run_started(2, 1);
  p.file_started("r1", "spec/x_spec.rb");
  p.file_finished(file("spec/x_spec.rb", FileStatus::kFailed, "r1"), 1, 2, 1);
  EXPECT_TRUE(contains(out(), "\r\x1b[KFAIL spec/x_spec.rb (r1)\n\r[1/2] 1 failed"));
  FileResult t = file("spec/slow_spec.rb", FileStatus::kTimeout, "r1");
  t.error() = "took longer than 60s";
  p.file_finished(t, 2, 2, 2);
  EXPECT_TRUE(contains(out(), "TIMEOUT spec/slow_spec.rb (r1): took longer than 60s\n"));
}

TEST_F(StatusPrinterTest, TtyElidesToTheWidthAndNeutralisesEscapes) {
  StatusPrinter::Options o = options(0, true);
  o.width = 60;
  StatusPrinter p(o);
  p.run_started(100, 1);
  p.file_started("r1", "spec/\x1b[2Jvery/long/directory/name/that/goes/on/and/on/x_spec.rb");
  std::string line = last_status_line();
  EXPECT_EQ(display_width(line), 60u) << line;
  EXPECT_TRUE(contains(line, "...")) << line;
  EXPECT_TRUE(contains(line, "(r1: spec/")) << line;
  EXPECT_TRUE(contains(line, "spec.rb)")) << line;
  EXPECT_FALSE(contains(out(), "\x1b[2J"));
}

TEST_F(StatusPrinterTest, EventsGoToStderrAndClearTheStatusLineFirst) {
  StatusPrinter p(options(0, true));
  p.run_started(2, 1);
  p.event(Status::Level::kWarning, "runner r1 restarted");
  p.event(Status::Level::kError, "node x unreachable");
  p.event(Status::Level::kInfo, "only in the log");
  EXPECT_EQ(err(),
            "distributest: warning: runner r1 restarted\n"
            "distributest: error: node x unreachable\n");
  EXPECT_TRUE(contains(out(), "\r\x1b[K"));
  EXPECT_TRUE(contains(last_status_line(), "[0/2]"));  // redrawn after
}

TEST_F(StatusPrinterTest, InfoEventsShowWithVerbose) {
  StatusPrinter p(options(1));
  p.event(Status::Level::kInfo, "runner r1 ready");
  EXPECT_EQ(err(), "distributest: runner r1 ready\n");
}

TEST_F(StatusPrinterTest, OutputReachesTheConsoleOnlyAtVerbosityTwo) {
  {
    StatusPrinter p(options(1));
    p.output("r1", "noise\n");
    EXPECT_EQ(out(), "");
  }
  StatusPrinter p(options(2));
  p.run_started(1, 1);
  p.output("r1", "hello\npart");
  p.output("r2", "other\n");
  EXPECT_EQ(out(), "[r1] hello\n[r2] other\n");
  p.file_finished(file("a", FileStatus::kPassed, "r1"), 1, 1, 0);
  EXPECT_TRUE(contains(out(), "[r2] other\n[r1] part\n[1/1] passed"));
}

TEST_F(StatusPrinterTest, LogGetsOutputEventsAndFiles) {
  std::string dir = ::testing::TempDir() + "/status_printer_test_log";
  std::filesystem::remove_all(dir);
  RunLog log;
  ASSERT_EQ(log.open(dir), "");
  StatusPrinter::Options o = options(0);
  o.log = &log;
  {
    StatusPrinter p(o);
    p.run_started(1, 1);
    p.output("r1", "secret test output\n");
    p.event(Status::Level::kInfo, "runner r1 ready");
    p.file_finished(file("spec/a_spec.rb", FileStatus::kPassed, "r1"), 1, 1, 0);
    p.run_finished(RunResult{});
  }
  EXPECT_FALSE(contains(out(), "secret"));
  std::ifstream in(log.path());
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(contains(text.str(), "[r1] secret test output\n"));
  EXPECT_TRUE(contains(text.str(), "[master] runner r1 ready\n"));
  EXPECT_TRUE(contains(text.str(), "[master] passed spec/a_spec.rb 1.00s on r1\n"));
  EXPECT_TRUE(contains(text.str(), "[master] 0 files, 0 examples"));
  std::filesystem::remove_all(dir);
}

RunResult sample_run() {
  RunResult r;
  FileResult failed = file("spec/x_spec.rb", FileStatus::kFailed, "r1", 4);
  CaseResult ok{"User signs in", "spec/x_spec.rb:5", "passed", 0.1, "", ""};
  CaseResult bad{"User rejects a bad password",
                 "spec/x_spec.rb:12",
                 "failed",
                 0.2,
                 "expected 200\n     got 500",
                 ""};
  for (int i = 1; i <= 12; ++i) bad.backtrace += "bt " + std::to_string(i) + "\n";
  failed.cases() = {ok, bad};
  FileResult error = file("spec/e_spec.rb", FileStatus::kError, "r2", 1);
  error.error() = "LoadError: cannot load such file";
  for (int i = 1; i <= 30; ++i) error.output() += "line " + std::to_string(i) + "\n";
  FileResult timeout = file("spec/t_spec.rb", FileStatus::kTimeout, "r1", 60);
  timeout.error() = "took longer than 60s";
  FileResult passed = file("spec/p_spec.rb", FileStatus::kPassed, "r2", 2);
  r.files = {failed, error, timeout, passed, file("spec/n_spec.rb", FileStatus::kNotRun, "")};
  r.summary = {4, 10, 1, 2, 2, 1, 72, 60};
  return r;
}

TEST_F(StatusPrinterTest, FinalReport) {
  StatusPrinter p(options(0));
  p.run_finished(sample_run());
  std::string o = out();
  EXPECT_TRUE(contains(o,
                       "Failures:\n\n  1) User rejects a bad password\n"
                       "     spec/x_spec.rb  (runner r1)\n"
                       "     # spec/x_spec.rb:12\n"
                       "     expected 200\n"
                       "          got 500\n"
                       "     # bt 1\n"))
      << o;
  EXPECT_TRUE(contains(o, "     # bt 10\n     # (2 more lines)\n")) << o;
  EXPECT_FALSE(contains(o, "bt 11"));
  EXPECT_FALSE(contains(o, "User signs in"));
  EXPECT_TRUE(contains(o,
                       "Errors:\n\n  spec/e_spec.rb  (runner r2): error: LoadError: cannot load "
                       "such file\n     last lines of output:\n     | line 11\n"))
      << o;
  EXPECT_TRUE(contains(o, "     | line 30\n"));
  EXPECT_FALSE(contains(o, "| line 10\n"));
  EXPECT_TRUE(contains(o, "  spec/t_spec.rb  (runner r1): timeout: took longer than 60s\n"));
  EXPECT_TRUE(contains(o,
                       "\n4 files, 10 examples, 1 failure, 2 pending, 2 errors, 1 not run\n"
                       "Finished in 1m12s (ideal 1m00s = max(longest work item, total / runners); "
                       "1.20x)\n"))
      << o;
  EXPECT_FALSE(contains(o, "\x1b"));
}

TEST_F(StatusPrinterTest, FinalReportFormatsShortRunsAndSingulars) {
  StatusPrinter p(options(0));
  RunResult r;
  r.files = {file("a", FileStatus::kPassed, "r1", 10)};
  r.summary = {1, 1, 0, 0, 0, 0, 12.3, 10.1};
  p.run_finished(r);
  EXPECT_EQ(out(),
            "\n1 file, 1 example, 0 failures, 0 pending, 0 errors\n"
            "Finished in 12.3s (ideal 10.1s = max(longest work item, total / runners); 1.22x)\n");
}

TEST_F(StatusPrinterTest, FailedFileWithoutCasesShowsItsOutputTail) {
  StatusPrinter p(options(0));
  RunResult r;
  FileResult f = file("test/a_test.rb", FileStatus::kFailed, "r1");
  f.failures = 2;
  f.output() = "Expected: 1\n  Actual: 2\n";
  r.files = {f};
  p.run_finished(r);
  EXPECT_TRUE(contains(out(),
                       "  1) test/a_test.rb  (runner r1): failed, 2 failures\n"
                       "     | Expected: 1\n     |   Actual: 2\n"))
      << out();
}

TEST_F(StatusPrinterTest, ColourOnlyWhenAsked) {
  StatusPrinter::Options o = options(1);
  o.color = true;
  StatusPrinter p(o);
  p.file_finished(file("a", FileStatus::kPassed, "r1"), 1, 1, 0);
  p.run_finished(sample_run());
  EXPECT_TRUE(contains(out(), "\x1b[32mpassed \x1b[0m"));
  EXPECT_TRUE(contains(out(), "\x1b[31m4 files, 10 examples"));
}

TEST_F(StatusPrinterTest, TestOutputEscapesAreStrippedWithoutColour) {
  StatusPrinter p(options(0));
  RunResult r = sample_run();
  r.files[1].output() = "\x1b[31mred\x1b[0m text\n";
  p.run_finished(r);
  EXPECT_TRUE(contains(out(), "     | red text\n"));
  EXPECT_FALSE(contains(out(), "\x1b"));
}

// spec/big_spec.rb in three parts on three runners, merged as the engine does: part 2 failed
// one example, part 3 failed without details (`detailed` false) or timed out.
RunResult split_run(FileStatus third = FileStatus::kPassed) {
  RunResult r;
  for (int i = 1; i <= 3; ++i) {
    FileResult p = file("spec/big_spec.rb",
                        i == 2   ? FileStatus::kFailed
                        : i == 3 ? third
                                 : FileStatus::kPassed,
                        "r" + std::to_string(i));
    p.node = "n" + std::to_string(i);
    p.selection = {
        i < 3 ? Selection::Kind::kOnly : Selection::Kind::kExcept, {"e" + std::to_string(i)}, i, 3};
    p.examples = 2;
    p.failures = i == 2 ? 1 : 0;
    p.cases() = {{"passes " + std::to_string(i), "", "passed", 0.1, "", "", "p" + std::to_string(i)},
               {"example " + std::to_string(i), "spec/big_spec.rb:" + std::to_string(i),
                i == 2 ? "failed" : "passed", 0.1, i == 2 ? "expected 2" : "", "",
                "e" + std::to_string(i)}};
    p.output() = "part " + std::to_string(i) + " line\n";
    if (third == FileStatus::kTimeout && i == 3) p.error() = "took longer than 60s";
    r.files.push_back(p);
  }
  r.files.push_back(file("spec/a_spec.rb", FileStatus::kPassed, "r1"));
  merge_parts(r);
  summarize(r, 3);
  r.summary.wall_seconds = 10;
  return r;
}

TEST_F(StatusPrinterTest, ASplitFileFailsOnceWithThePartThatRanIt) {
  StatusPrinter p(options(0));
  p.run_finished(split_run());
  std::string o = out();
  EXPECT_TRUE(contains(o,
                       "Failures:\n\n  1) example 2\n"
                       "     spec/big_spec.rb (part 2/3)  (runner r2)\n"
                       "     # spec/big_spec.rb:2\n"
                       "     expected 2\n"))
      << o;
  EXPECT_FALSE(contains(o, "  2) ")) << "its cases once: " << o;
  EXPECT_TRUE(contains(o,
                       "\n2 files (1 run in parts: 3 parts), 6 examples, 1 failure, 0 pending, "
                       "0 errors\n"))
      << o;
}

TEST_F(StatusPrinterTest, ASplitFileWithoutDetailsShowsEachFailedPartsOutput) {
  StatusPrinter p(options(0));
  RunResult r = split_run();
  for (CaseResult& c : r.files[0].cases()) c.status = "passed";  // the framework gave no details
  p.run_finished(r);
  std::string o = out();
  EXPECT_TRUE(contains(o,
                       "  1) spec/big_spec.rb  (split into 3 parts): failed, 1 failure\n"
                       "     | --- spec/big_spec.rb (part 2/3) (n2, r2)\n"
                       "     | part 2 line\n\n"))
      << o;
  EXPECT_FALSE(contains(o, "part 1 line")) << "passed parts' output is not a failure's";
}

TEST_F(StatusPrinterTest, ASplitFileThatTimedOutShowsThePartsOutputUnderItsHeader) {
  StatusPrinter p(options(0));
  p.run_finished(split_run(FileStatus::kTimeout));
  std::string o = out();
  EXPECT_TRUE(contains(o,
                       "Errors:\n\n  spec/big_spec.rb  (split into 3 parts): timeout: "
                       "spec/big_spec.rb (part 3/3): took longer than 60s\n"
                       "     last lines of output:\n"
                       "     | --- spec/big_spec.rb (part 2/3) (n2, r2)\n"
                       "     | part 2 line\n"
                       "     | --- spec/big_spec.rb (part 3/3) (n3, r3)\n"
                       "     | part 3 line\n"))
      << o;
}

TEST_F(StatusPrinterTest, NoSplitNoPartsInTheTotals) {
  StatusPrinter p(options(0));
  p.run_finished(sample_run());
  EXPECT_FALSE(contains(out(), "split into"));
}

}  // namespace
}  // namespace dt
