#include "sync/shipped.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "sync/sync.h"

namespace dt {
namespace {

namespace fs = std::filesystem;

std::string sh_word(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Real git and real rsync in a scratch directory: `project` is the master's side, `node` a
// node's copy.
class ShippedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The user's own git config (a global excludes file, say) must not change what is ignored.
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    std::string pattern = (fs::temp_directory_path() / "distributest_shipped_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    tmp = pattern;
    project = tmp / "project";
    node = tmp / "node";
    runtime = tmp / "stage" / kRemoteRuntimeDir;
    fs::create_directories(project);
    fs::create_directories(node);
    write_adapter("runners/pytest");
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
  }

  void write(const std::string& rel, const std::string& text = "x\n") const {
    fs::path file = project / rel;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }
  void sh(const std::string& script) const {
    std::string command =
        "cd " + sh_word(project.string()) + " && { " + script + "; } >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << script;
  }
  void git(const std::string& args) const {
    sh("git -c user.name=t -c user.email=t@t -c init.defaultBranch=main " + args);
  }

  // rsync_argv's command as sync_nodes runs it, but to a local directory (no remote shell),
  // with the master's view of what goes and the adapters from `runtime` (tmp/stage).
  void sync(const ShippedFiles& shipped) const {
    fs::path rules_file = tmp / "rules";
    std::ofstream(rules_file) << git_ignored_rules(shipped);
    std::vector<std::string> argv =
        rsync_argv(project.string(), runtime.string(), shipped.excludes,
                   shipped.from_git ? rules_file.string() : "");
    ASSERT_EQ(argv.back(), "node:./");
    argv.back() = node.string() + "/";
    std::string command;
    for (std::size_t i = 0; i < argv.size(); ++i) {
      if (argv[i] == "-e") {
        ++i;
        continue;
      }
      command += sh_word(argv[i]) + " ";
    }
    ASSERT_EQ(std::system((command + " 2>&1").c_str()), 0) << command;
  }
  void write_adapter(const std::string& rel, const std::string& text = "#!/bin/sh\n") const {
    fs::create_directories((runtime / rel).parent_path());
    std::ofstream(runtime / rel) << text;
  }

  // The files (and symlinks) under `root`, relative, without .git and the adapters.
  static std::set<std::string> files_under(const fs::path& root) {
    std::set<std::string> files;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
      std::string rel = it->path().lexically_relative(root).generic_string();
      if (rel == ".git" || rel == kRemoteRuntimeDir) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_directory() || it->is_symlink()) files.insert(rel);
    }
    return files;
  }

  std::set<std::string> expected_on_node(const ShippedFiles& shipped) const {
    std::set<std::string> files;
    for (const std::string& f : files_under(project)) {
      if (why_not_shipped(shipped, f).empty()) files.insert(f);
    }
    return files;
  }

  fs::path tmp, project, node, runtime;
};

// rsync's own answer for each pattern: what a real rsync copies.
TEST_F(ShippedTest, RsyncPatternsMatchAsRsyncDoes) {
  for (const char* f :
       {"a.log", "dir/b.log", "build/x.o", "src/build/y.o", "src/build", "tmp/x", "tmp/deep/x",
        "tmp/deep/y", "foo/bar", "x/foo/bar", "y/foo/bar/z", "ac.txt", "bc.txt", "cc.txt",
        "star*name", "starname", "q/sub/deep/file", "back\\slash", "with space/f"}) {
    write(f);
  }
  for (const char* pattern :
       {"*.log",       "build/",      "/build/",  "build",     "/tmp/**/x", "tmp/*/y",
        "foo/bar",     "/foo/bar",    "**/bar",   "[ab]c.txt", "[!a]c.txt", "?c.txt",
        "/src/***",    "star\\*name", "*name",    "deep",      "q/**",      "sub/deep",
        "back\\slash", "with space/", "y/*/bar/z"}) {
    fs::remove_all(node);
    fs::create_directories(node);
    ShippedFiles shipped;
    shipped.excludes = {pattern};
    sync(shipped);
    EXPECT_EQ(files_under(node), expected_on_node(shipped)) << "pattern " << pattern;
  }
}

TEST_F(ShippedTest, OutsideAGitWorkTreeNothingIsAskedOfGit) {
  std::string warning = "stale";
  ShippedFiles shipped = shipped_files(project.string(), {"secret/"}, &warning);
  EXPECT_EQ(warning, "");
  EXPECT_FALSE(shipped.from_git);
  EXPECT_EQ(shipped.excludes, std::vector<std::string>{"secret/"});
  EXPECT_EQ(git_ignored_rules(shipped), "");
  EXPECT_EQ(why_not_shipped(shipped, "secret/key"), "[sync] exclude has 'secret/'");
  EXPECT_EQ(why_not_shipped(shipped, ".distributest/logs/run.log"),
            "distributest never syncs '.distributest/logs'");
  EXPECT_EQ(why_not_shipped(shipped, "tests/test_a.py"), "");
}

// Found in review: discovery did not know .gitignore, so an ignored test file went to nodes
// that did not have it, and a tracked file that a .gitignore pattern matches never went.
TEST_F(ShippedTest, InAGitWorkTreeTheNodesGetWhatGitWouldShipAndTheMasterKnowsIt) {
  write(".gitignore", "*.log\nbuild/\ntests/test_scratch.py\n.venv/\nignored*\n");
  write("tests/test_a.py");
  write("tests/test_scratch.py");  // ignored: not shipped, not dispatched
  write("keep.log");               // tracked although ignored: shipped
  write("junk.log");               // ignored
  write("build/keep.txt");         // tracked inside an ignored directory
  write("build/out.o");            // ignored
  write("untracked.txt");          // untracked, not ignored: shipped
  write("ignored dir/a");          // a whole ignored directory
  write("ignored [1]*.py");        // an ignored name rsync would read as a pattern
  write("ignored\\back");
  write("ignored trailing ");
  write("ignored new\nline");
  write("vendor/lib/.gitignore", "*.so\n");  // a submodule's own ignores
  write("vendor/lib/lib.c");
  write("vendor/lib/lib.so");
  sh("cd vendor/lib && git init -q && git add . && git -c user.name=t -c user.email=t@t commit -qm "
     "lib");
  git("init -q .");
  git("add .gitignore tests/test_a.py && git add -f keep.log build/keep.txt");
  git("-c protocol.file.allow=always submodule add -q ./vendor/lib vendor/lib");
  git("commit -qm init");

  std::string warning;
  ShippedFiles shipped = shipped_files(project.string(), {}, &warning);
  EXPECT_EQ(warning, "");
  ASSERT_TRUE(shipped.from_git);
  EXPECT_EQ(why_not_shipped(shipped, "tests/test_scratch.py"), "git ignores it");
  EXPECT_EQ(why_not_shipped(shipped, "ignored dir/a"), "git ignores ignored dir/");
  EXPECT_EQ(why_not_shipped(shipped, "vendor/lib/lib.so"), "git ignores it");
  for (const char* shipped_file :
       {"tests/test_a.py", "keep.log", "build/keep.txt", "untracked.txt", "vendor/lib/lib.c"}) {
    EXPECT_EQ(why_not_shipped(shipped, shipped_file), "") << shipped_file;
  }
  sync(shipped);
  std::set<std::string> on_node = files_under(node);
  EXPECT_EQ(on_node, expected_on_node(shipped));
  EXPECT_TRUE(on_node.count("keep.log"));
  EXPECT_FALSE(on_node.count("tests/test_scratch.py"));

  // On the node: node_setup's .venv (a .gitignore names it) stays, our marker stays, a file the
  // project no longer has goes, and so does a directory gone from it, ignored files and all.
  // (A tracked file that a .gitignore matches, once deleted here, stays there like the .venv.)
  fs::create_directories(node / ".venv/bin");
  std::ofstream(node / ".venv/bin/python") << "#!/bin/sh\n";
  std::ofstream(node / ".distributest-dir");
  std::ofstream(node / "stale.txt");
  fs::create_directories(node / "gone/__pycache__");
  std::ofstream(node / "gone/a.log");
  fs::remove(project / "untracked.txt");
  shipped = shipped_files(project.string(), {}, &warning);
  sync(shipped);
  on_node = files_under(node);
  EXPECT_TRUE(on_node.count(".venv/bin/python"));
  EXPECT_TRUE(on_node.count(".distributest-dir"));
  EXPECT_FALSE(on_node.count("stale.txt"));
  EXPECT_FALSE(on_node.count("untracked.txt"));
  EXPECT_FALSE(fs::exists(node / "gone"));
  on_node.erase(".venv/bin/python");
  on_node.erase(".distributest-dir");
  EXPECT_EQ(on_node, expected_on_node(shipped));
}

// One transfer carries the project and the adapters: the project's rules, which may well match
// the adapters' names, never keep an adapter back, nor a stale one on the node.
TEST_F(ShippedTest, TheAdaptersGoWholeBesideTheProjectWhateverItsRulesSay) {
  write(".gitignore", "*.py\nrunners/\n*.rb\n");
  write("tests/test_a.py");
  write("app.rb");
  write_adapter("runners/pytest_runner.py", "print('adapter')\n");
  write_adapter("runners/distributest_worker.rb");
  for (bool in_git : {false, true}) {
    if (in_git) git("init -q . && git add -f .gitignore tests/test_a.py app.rb");
    fs::remove_all(node);
    fs::create_directories(node / kRemoteRuntimeDir / "runners");
    std::ofstream(node / kRemoteRuntimeDir / "runners" / "stale.py");
    std::ofstream(node / kRemoteRuntimeDir / "init");
    std::string warning;
    ShippedFiles shipped = shipped_files(project.string(), {}, &warning);
    ASSERT_EQ(shipped.from_git, in_git) << warning;
    sync(shipped);
    std::set<std::string> adapters;
    for (const std::string& f : files_under(node / kRemoteRuntimeDir)) adapters.insert(f);
    EXPECT_EQ(adapters, (std::set<std::string>{"runners/distributest_worker.rb", "runners/pytest",
                                               "runners/pytest_runner.py"}))
        << (in_git ? "in git" : "no git");
    std::ifstream copied(node / kRemoteRuntimeDir / "runners" / "pytest_runner.py");
    std::string text((std::istreambuf_iterator<char>(copied)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "print('adapter')\n");
    if (in_git) {
      EXPECT_TRUE(fs::exists(node / "tests/test_a.py"));
      EXPECT_TRUE(fs::exists(node / "app.rb"));
    }
  }
}

TEST_F(ShippedTest, AProjectInsideAWorkTreeIsJudgedByTheWholeRepository) {
  write(".gitignore", "*.tmp\n");
  write("app/tests/a.tmp");
  write("app/tests/b.py");
  git("init -q .");
  std::string warning;
  ShippedFiles shipped = shipped_files((project / "app").string(), {}, &warning);
  ASSERT_TRUE(shipped.from_git) << warning;
  EXPECT_EQ(why_not_shipped(shipped, "tests/a.tmp"), "git ignores it");
  EXPECT_EQ(why_not_shipped(shipped, "tests/b.py"), "");
}

}  // namespace
}  // namespace dt
