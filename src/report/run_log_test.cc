#include "report/run_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dt {
namespace {

namespace fs = std::filesystem;

// Matches `text` against `pattern`, where '9' stands for any digit and '*' for one or more
// digits. (No std::regex: GCC 12 warns inside it under -O1 with sanitizers, and -Werror.)
bool matches(std::string_view text, std::string_view pattern) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0;
  for (char p : pattern) {
    if (p == '9' || p == '*') {
      if (i >= text.size() || !digit(text[i])) return false;
      ++i;
      if (p == '*')
        while (i < text.size() && digit(text[i])) ++i;
    } else if (i >= text.size() || text[i++] != p) {
      return false;
    }
  }
  return i == text.size();
}

class RunLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/run_log_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  static std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  // The lines without their "HH:MM:SS.mmm " stamps, which each must have.
  static std::vector<std::string> unstamped(const std::string& path) {
    std::vector<std::string> out;
    for (const std::string& line : lines_of(path)) {
      EXPECT_TRUE(matches(std::string_view(line).substr(0, 13), "99:99:99.999 ")) << line;
      out.push_back(line.size() > 13 ? line.substr(13) : line);
    }
    return out;
  }
  std::string root_;
};

TEST_F(RunLogTest, CreatesPrivateDirectoryAndFile) {
  std::string dir = root_ + "/state/distributest/logs";
  RunLog log;
  ASSERT_EQ(log.open(dir), "");
  ASSERT_TRUE(log.is_open());
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((root_ + "/state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(log.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string name = fs::path(log.path()).filename();
  EXPECT_TRUE(matches(name, "run-99999999-999999-*.log")) << name;
  EXPECT_EQ(fs::read_symlink(dir + "/latest.log"), name);
}

TEST_F(RunLogTest, TestOutputIsWrittenVerbatim) {
  RunLog log;
  ASSERT_EQ(log.open(root_ + "/logs"), "");
  // Format braces, printf directives and bytes that are not UTF-8 are data, not format.
  log.line("r1", "{} {0} %s %n \xff\xfe end\n");
  log.flush();
  EXPECT_EQ(unstamped(log.path()),
            std::vector<std::string>{"[r1] {} {0} %s %n \xff\xfe end"});
}

TEST_F(RunLogTest, RefusesGroupWritableDirectory) {
  std::string dir = root_ + "/shared";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0770), 0);
  RunLog log;
  std::string err = log.open(dir);
  EXPECT_NE(err.find("writable by others"), std::string::npos) << err;
  EXPECT_FALSE(log.is_open());
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST_F(RunLogTest, RefusesDirectoryOfAnotherUser) {
  std::string dir = "/";  // root's: another user's unless the test runs as root
  if (geteuid() == 0) {
    dir = root_ + "/theirs";
    ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(chown(dir.c_str(), 65534, 65534), 0);
  }
  RunLog log;
  std::string err = log.open(dir);
  EXPECT_NE(err.find("not to you"), std::string::npos) << err;
  EXPECT_FALSE(log.is_open());
}

TEST_F(RunLogTest, ReplacesLatestSymlinkWithoutFollowingIt) {
  std::string victim = root_ + "/victim";
  std::ofstream(victim) << "precious\n";
  std::string dir = root_ + "/logs";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  fs::create_symlink(victim, dir + "/latest.log");
  RunLog log;
  ASSERT_EQ(log.open(dir), "");
  log.line("r1", "hello\n");
  log.flush();
  EXPECT_EQ(lines_of(victim), std::vector<std::string>{"precious"});
  EXPECT_EQ(fs::read_symlink(dir + "/latest.log"), fs::path(log.path()).filename());
}

TEST_F(RunLogTest, TwoLogsInOneSecondGetDistinctFiles) {
  RunLog a, b;
  ASSERT_EQ(a.open(root_), "");
  ASSERT_EQ(b.open(root_), "");
  EXPECT_NE(a.path(), b.path());
  EXPECT_EQ(fs::read_symlink(root_ + "/latest.log"), fs::path(b.path()).filename());
}

TEST_F(RunLogTest, TagsLinesAndJoinsPartialLinesPerSource) {
  RunLog log;
  ASSERT_EQ(log.open(root_), "");
  log.line("r1", "abc");
  log.line("r2", "x\ny\n");
  log.line("r1", "def\nghi");
  log.line("r2", "tail");
  log.flush("r2");
  log.event(Status::Level::kWarning, "disk low");
  log.event(Status::Level::kError, "two\nlines");
  log.event(Status::Level::kInfo, "note");
  log.flush();
  EXPECT_EQ(unstamped(log.path()),
            (std::vector<std::string>{"[r2] x", "[r2] y", "[r1] abcdef", "[r2] tail",
                                      "[master] warning: disk low", "[master] error: two",
                                      "[master] lines", "[master] note", "[r1] ghi"}));
}

TEST_F(RunLogTest, DestructorWritesUnfinishedLines) {
  std::string path;
  {
    RunLog log;
    ASSERT_EQ(log.open(root_), "");
    path = log.path();
    log.line("r1", "no newline");
  }
  EXPECT_EQ(unstamped(path), std::vector<std::string>{"[r1] no newline"});
}

TEST_F(RunLogTest, FloodStreamsToTheFile) {
  RunLog log;
  ASSERT_EQ(log.open(root_), "");
  std::string chunk(4096, 'z');
  const int chunks = 2048;  // 8 MiB on one endless line
  for (int i = 0; i < chunks; ++i) log.line("r1", chunk);
  log.flush();
  std::vector<std::string> lines = lines_of(log.path());
  // Cut into capped pieces rather than held whole.
  ASSERT_EQ(lines.size(), 4096u * chunks / (64 * 1024));
  EXPECT_EQ(lines[0].size(), 13 + 5 + 64 * 1024u);
}

TEST_F(RunLogTest, NotOpenIsANoOp) {
  RunLog log;
  log.line("r1", "dropped\n");
  log.event(Status::Level::kError, "dropped");
  log.flush();
  EXPECT_EQ(log.path(), "");
  EXPECT_FALSE(log.is_open());
}

TEST(RunLogDefaultDirTest, FollowsXdgStateHome) {
  const char* old_state = std::getenv("XDG_STATE_HOME");
  const char* old_home = std::getenv("HOME");
  std::string saved_state = old_state ? old_state : "";
  std::string saved_home = old_home ? old_home : "";
  setenv("XDG_STATE_HOME", "/xdg/state", 1);
  EXPECT_EQ(RunLog::default_dir(), "/xdg/state/distributest/logs");
  setenv("XDG_STATE_HOME", "relative/ignored", 1);
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(RunLog::default_dir(), "/home/someone/.local/state/distributest/logs");
  if (old_state)
    setenv("XDG_STATE_HOME", saved_state.c_str(), 1);
  else
    unsetenv("XDG_STATE_HOME");
  if (old_home)
    setenv("HOME", saved_home.c_str(), 1);
  else
    unsetenv("HOME");
}

}  // namespace
}  // namespace dt
