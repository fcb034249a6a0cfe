#include "sync/target_lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

extern char** environ;

namespace dt {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One of the scripts, run by the real sh, flock, mv and rm of this machine; stdout and stderr
// come back together, stdin stays open until close_stdin().
class Script {
 public:
  Script(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {}) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    std::vector<std::string> env = extra_env;
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      std::string name = entry.substr(0, entry.find('=') + 1);
      bool overridden = std::any_of(extra_env.begin(), extra_env.end(),
                                    [&](const std::string& x) { return x.starts_with(name); });
      if (!overridden) env.push_back(entry);
    }
    std::vector<char*> args, envp;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  Script(const Script&) = delete;
  Script& operator=(const Script&) = delete;
  ~Script() {
    close_stdin();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
  }

  // Reads until `line` has been said or the script ends or 10 s pass; returns whether it was.
  bool says(const std::string& line) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (output_.find(line + "\n") == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{stdout_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      ssize_t n = read(stdout_, buf, sizeof buf);
      if (n <= 0) return false;
      output_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  void close_stdin() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
  }
  int wait_exit() {
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string output_;
};

class TargetLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "distributest_target_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    tmp = pattern;
    root = (tmp / "root").string();
    dir = root + "/app-1234abcd@box";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
  }

  // A copy a finished run left: marked, its lock free, a project file in it.
  void leave_a_synced_copy() {
    Script run(target_prepare_argv(root, dir));
    ASSERT_TRUE(run.says("locked")) << run.output();
    std::ofstream(dir + "/test_a.sh") << "true\n";
    run.close_stdin();
    ASSERT_EQ(run.wait_exit(), 0) << run.output();
  }

  // Puts a `tool` before the real one on the PATH of the scripts given slow_env(): it says it
  // started (the file `tool`.started appears), waits 1 s, then does its job.
  void slow_down(const std::string& tool) {
    fs::create_directories(tmp / "bin");
    std::string real = "/bin/" + tool;
    std::ofstream(tmp / "bin" / tool)
        << "#!/bin/sh\ntouch '" << (tmp / (tool + ".started")).string() << "'\nsleep 1\nexec "
        << real << " \"$@\"\n";
    fs::permissions(tmp / "bin" / tool, fs::perms::owner_all);
  }
  std::vector<std::string> slow_env() const {
    return {"PATH=" + (tmp / "bin").string() + ":" + std::getenv("PATH")};
  }
  bool started(const std::string& tool) const {
    for (int i = 0; i < 1000; ++i) {
      if (fs::exists(tmp / (tool + ".started"))) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  // Whether someone holds the lock of the copy now at `dir`.
  bool lock_is_held() const {
    Script probe({"flock", "-n", dir + "/.distributest-lock", "true"});
    return probe.wait_exit() != 0;
  }

  fs::path tmp;
  std::string root;
  std::string dir;
};

// Found in review: a run starting while `clean` deleted the copy took the lock of the copy
// being deleted, then failed or synced into a directory without a marker, which the next run
// refused.
TEST_F(TargetLockTest, ARunStartingWhileCleanRemovesTheCopyGetsAFreshMarkedCopy) {
  leave_a_synced_copy();
  slow_down("rm");
  Script clean(target_clean_argv(dir, true), slow_env());
  ASSERT_TRUE(started("rm")) << clean.output();  // clean holds the lock and is deleting

  Script run(target_prepare_argv(root, dir));
  EXPECT_TRUE(run.says("locked")) << run.output();
  EXPECT_EQ(clean.wait_exit(), 0) << clean.output();
  EXPECT_TRUE(run.running()) << run.output();
  EXPECT_TRUE(fs::exists(dir + "/.distributest-dir"));
  EXPECT_FALSE(fs::exists(dir + "/test_a.sh")) << "the run got the old copy";
  EXPECT_TRUE(lock_is_held()) << "the run does not hold the lock of the copy at " << dir;
}

TEST_F(TargetLockTest, ARunWaitingForCleansLockStartsOverInAFreshCopy) {
  leave_a_synced_copy();
  slow_down("mv");
  Script clean(target_clean_argv(dir, true), slow_env());
  ASSERT_TRUE(started("mv")) << "clean does not move the copy away: " << clean.output();

  Script run(target_prepare_argv(root, dir));
  EXPECT_TRUE(run.says("waiting")) << run.output();  // on the lock clean holds
  EXPECT_TRUE(run.says("locked")) << run.output();
  EXPECT_EQ(clean.wait_exit(), 0) << clean.output();
  EXPECT_TRUE(fs::exists(dir + "/.distributest-dir"));
  EXPECT_FALSE(fs::exists(dir + "/test_a.sh"));
  EXPECT_TRUE(lock_is_held());
  run.close_stdin();
  EXPECT_EQ(run.wait_exit(), 0) << run.output();
  EXPECT_FALSE(lock_is_held());
}

TEST_F(TargetLockTest, CleanLeavesACopyARunHoldsAndAnUnmarkedDirectory) {
  leave_a_synced_copy();
  Script run(target_prepare_argv(root, dir));
  ASSERT_TRUE(run.says("locked")) << run.output();
  Script busy(target_clean_argv(dir, true));
  EXPECT_EQ(busy.wait_exit(), 5);
  EXPECT_TRUE(fs::exists(dir + "/test_a.sh"));
  run.close_stdin();
  ASSERT_EQ(run.wait_exit(), 0);

  fs::remove(dir + "/.distributest-dir");
  Script unmarked(target_clean_argv(dir, true));
  EXPECT_EQ(unmarked.wait_exit(), 3);
  EXPECT_TRUE(fs::exists(dir + "/test_a.sh"));
  Script prepare(target_prepare_argv(root, dir));
  EXPECT_EQ(prepare.wait_exit(), 3) << "a run took an unmarked directory";
  EXPECT_FALSE(fs::exists(dir + "/.distributest-dir"));
}

TEST_F(TargetLockTest, CleanListsWithoutRemovingAndLeavesNothingBehindWhenItRemoves) {
  leave_a_synced_copy();
  Script list(target_clean_argv(dir, false));
  EXPECT_EQ(list.wait_exit(), 0);
  EXPECT_TRUE(fs::exists(dir + "/test_a.sh"));
  Script remove(target_clean_argv(dir, true));
  EXPECT_EQ(remove.wait_exit(), 0);
  EXPECT_TRUE(fs::is_empty(root)) << "left in " << root;
  Script again(target_clean_argv(dir, true));
  EXPECT_EQ(again.wait_exit(), 4);
}

// The sync groups copies by this line (sync.cc): only copies a sync filled alike may share one
// rsync's batch, so an empty copy, one with a sync id and one without must each say so.
TEST_F(TargetLockTest, SaysWhatTheCopyIsBeforeLocked) {
  {
    Script run(target_prepare_argv(root, dir));
    ASSERT_TRUE(run.says("locked")) << run.output();
    EXPECT_NE(run.output().find("copy empty\nlocked\n"), std::string::npos) << run.output();
    std::ofstream(dir + "/test_a.sh") << "true\n";
    run.close_stdin();
    ASSERT_EQ(run.wait_exit(), 0) << run.output();
  }
  {
    Script run(target_prepare_argv(root, dir));
    ASSERT_TRUE(run.says("locked")) << run.output();
    EXPECT_NE(run.output().find("copy unknown\nlocked\n"), std::string::npos) << run.output();
    fs::create_directories(dir + "/.distributest-runtime");
    std::ofstream(dir + "/.distributest-runtime/sync-id") << "0123abcd$(x)\n";
    run.close_stdin();
    ASSERT_EQ(run.wait_exit(), 0) << run.output();
  }
  Script run(target_prepare_argv(root, dir));
  ASSERT_TRUE(run.says("locked")) << run.output();
  EXPECT_NE(run.output().find("copy 0123abcd\nlocked\n"), std::string::npos) << run.output();
  run.close_stdin();
  EXPECT_EQ(run.wait_exit(), 0) << run.output();
}

}  // namespace
}  // namespace dt
