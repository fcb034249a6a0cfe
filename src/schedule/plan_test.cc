#include "schedule/plan.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "schedule/timing_store.h"

namespace dt {
namespace {

namespace fs = std::filesystem;
using Files = std::vector<std::string>;

const Files kRspec = {"spec/**/*_spec.rb"};

class Project {
 public:
  Project() {
    std::string pattern = (fs::temp_directory_path() / "dt_plan_XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  ~Project() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  Project(const Project&) = delete;
  Project& operator=(const Project&) = delete;

  const fs::path& root() const { return root_; }
  std::string dir() const { return root_.string(); }
  void add(const std::string& rel, std::size_t bytes = 1) const {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << std::string(bytes, 'x');
  }

  Files discover(const Files& args, const Files& defaults = kRspec,
                 const Files& excludes = {}) {
    return discover_files(dir(), args, defaults, excludes, &error);
  }

  std::string error;

 private:
  fs::path root_;
};

TEST(GlobMatchTest, SegmentsAndDoubleStar) {
  EXPECT_TRUE(glob_match("spec/**/*_spec.rb", "spec/a_spec.rb"));
  EXPECT_TRUE(glob_match("spec/**/*_spec.rb", "spec/models/deep/a_spec.rb"));
  EXPECT_FALSE(glob_match("spec/**/*_spec.rb", "spec/a_helper.rb"));
  EXPECT_FALSE(glob_match("spec/**/*_spec.rb", "other/spec/a_spec.rb"));
  EXPECT_FALSE(glob_match("spec/*_spec.rb", "spec/models/a_spec.rb"));
  EXPECT_TRUE(glob_match("spec/*_spec.rb", "spec/a_spec.rb"));
  EXPECT_TRUE(glob_match("**/test_*.py", "test_a.py"));
  EXPECT_TRUE(glob_match("**/test_*.py", "pkg/tests/test_a.py"));
  EXPECT_TRUE(glob_match("spec/**", "spec/a/b/c.rb"));
  EXPECT_TRUE(glob_match("a/**/b/**/c", "a/b/c"));
  EXPECT_TRUE(glob_match("a/**/b/**/c", "a/x/b/y/z/c"));
  EXPECT_FALSE(glob_match("a/**/b/**/c", "a/x/y/c"));
  EXPECT_TRUE(glob_match("test/[ab]_test.rb", "test/b_test.rb"));
  EXPECT_FALSE(glob_match("test/[ab]_test.rb", "test/c_test.rb"));
  EXPECT_TRUE(glob_match("test/?_test.rb", "test/c_test.rb"));
  // '*' does not cross '/', and a "**" inside a segment is just two '*'.
  EXPECT_FALSE(glob_match("spec/*", "spec/a/b.rb"));
  EXPECT_FALSE(glob_match("spec/a**rb", "spec/a/b.rb"));
}

TEST(GlobMatchTest, PatternWithoutSlashMatchesTheNameInAnyDirectory) {
  EXPECT_TRUE(glob_match("*_spec.rb", "a_spec.rb"));
  EXPECT_TRUE(glob_match("*_spec.rb", "spec/models/a_spec.rb"));
  EXPECT_FALSE(glob_match("*_spec.rb", "spec/a_spec.rb/helper.rb"));
  // FNM_PERIOD is off: '*' matches a leading dot.
  EXPECT_TRUE(glob_match("*_spec.rb", "spec/.hidden_spec.rb"));
}

TEST(GlobMatchTest, LeadingSlashOrDotSlashAnchorsAtTheRoot) {
  EXPECT_TRUE(glob_match("/spec/*.rb", "spec/a.rb"));
  EXPECT_FALSE(glob_match("/a.rb", "spec/a.rb"));
  EXPECT_TRUE(glob_match("./spec/*.rb", "spec/a.rb"));
}

TEST(GlobMatchTest, ManyDoubleStarsStayFast) {
  std::string path;
  for (int i = 0; i < 40; ++i) path += "d/";
  path += "x";
  // Plain backtracking would take hours here. The detached thread lets the test fail instead of
  // hanging; the process exits with it still running.
  auto done = std::make_shared<std::promise<bool>>();
  std::future<bool> result = done->get_future();
  std::thread([done, path] {
    done->set_value(glob_match("**/**/**/**/**/**/**/**/**/**/**/**/y", path));
  }).detach();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(result.get());
}

TEST(DiscoverFilesTest, DefaultGlobsSortedAndUnique) {
  Project p;
  p.add("spec/b_spec.rb");
  p.add("spec/models/a_spec.rb");
  p.add("spec/spec_helper.rb");
  p.add("lib/c_spec.rb");
  p.add("test/x_test.rb");
  EXPECT_EQ(p.discover({}, {"spec/**/*_spec.rb", "spec/models/*_spec.rb", "test/**/*_test.rb"}),
            (Files{"spec/b_spec.rb", "spec/models/a_spec.rb", "test/x_test.rb"}));
  EXPECT_EQ(p.error, "");
}

TEST(DiscoverFilesTest, SkipsHiddenAndVendoredDirectories) {
  Project p;
  p.add("spec/a_spec.rb");
  p.add("spec/.cache/b_spec.rb");
  p.add(".git/spec/c_spec.rb");
  p.add("node_modules/spec/d_spec.rb");
  p.add("spec/node_modules/e_spec.rb");
  p.add("vendor/bundle/ruby/spec/f_spec.rb");
  p.add("spec/__pycache__/g_spec.rb");
  p.add("spec/vendor/h_spec.rb");
  EXPECT_EQ(p.discover({}, {"**/*_spec.rb"}), (Files{"spec/a_spec.rb", "spec/vendor/h_spec.rb"}));
}

TEST(DiscoverFilesTest, SkipsVirtualenvsWhateverTheirName) {
  Project p;
  p.add("pkg/tests/test_a.py");
  p.add("venv/pyvenv.cfg");
  p.add("venv/lib/python3.11/site-packages/numpy/tests/test_x.py");
  p.add("env2/pyvenv.cfg");
  p.add("env2/lib/test_y.py");
  p.add("venv_notes/test_z.py");  // no pyvenv.cfg: the project's own
  EXPECT_EQ(p.discover({}, {"**/test_*.py"}),
            (Files{"pkg/tests/test_a.py", "venv_notes/test_z.py"}));
}

TEST(DiscoverFilesTest, DirectoryArgumentTakesFilesNamedLikeTests) {
  Project p;
  p.add("spec/models/a_spec.rb");
  p.add("spec/models/deep/b_spec.rb");
  p.add("spec/models/support.rb");
  p.add("spec/features/c_spec.rb");
  EXPECT_EQ(p.discover({"spec/models"}),
            (Files{"spec/models/a_spec.rb", "spec/models/deep/b_spec.rb"}));
  EXPECT_EQ(p.discover({"spec/models/"}),
            (Files{"spec/models/a_spec.rb", "spec/models/deep/b_spec.rb"}));
  EXPECT_EQ(p.discover({(p.root() / "spec" / "features").string()}),
            (Files{"spec/features/c_spec.rb"}));
  EXPECT_EQ(p.discover({"."}), (Files{"spec/features/c_spec.rb", "spec/models/a_spec.rb",
                                      "spec/models/deep/b_spec.rb"}));
}

TEST(DiscoverFilesTest, FileArgumentsAreTakenAsGivenAndMerged) {
  Project p;
  p.add("spec/a_spec.rb");
  p.add("spec/helper_check.rb");
  EXPECT_EQ(p.discover({"spec/helper_check.rb", "./spec/a_spec.rb", "spec/../spec/a_spec.rb",
                        (p.root() / "spec/a_spec.rb").string()}),
            (Files{"spec/a_spec.rb", "spec/helper_check.rb"}));
  EXPECT_EQ(p.error, "");
}

TEST(DiscoverFilesTest, FileNamedLikeAGlobIsAFile) {
  Project p;
  p.add("spec/[id]_spec.rb");
  p.add("spec/i_spec.rb");
  EXPECT_EQ(p.discover({"spec/[id]_spec.rb"}), (Files{"spec/[id]_spec.rb"}));
}

TEST(DiscoverFilesTest, GlobArgumentsMatchTheWholeProject) {
  Project p;
  p.add("spec/models/a_spec.rb");
  p.add("spec/features/b_spec.rb");
  p.add("spec/features/c_spec.rb");
  EXPECT_EQ(p.discover({"spec/features/*"}),
            (Files{"spec/features/b_spec.rb", "spec/features/c_spec.rb"}));
  EXPECT_EQ(p.discover({"a_*.rb"}), (Files{"spec/models/a_spec.rb"}));
  EXPECT_EQ(p.discover({(p.root() / "spec/**/c_*.rb").string()}),
            (Files{"spec/features/c_spec.rb"}));
}

TEST(DiscoverFilesTest, ExcludesRemoveFilesButNotOnesNamedExplicitly) {
  Project p;
  p.add("spec/a_spec.rb");
  p.add("spec/slow/b_spec.rb");
  EXPECT_EQ(p.discover({}, kRspec, {"spec/slow/**"}), (Files{"spec/a_spec.rb"}));
  EXPECT_EQ(p.discover({"spec"}, kRspec, {"spec/slow/**"}), (Files{"spec/a_spec.rb"}));
  EXPECT_EQ(p.discover({"spec/slow/b_spec.rb"}, kRspec, {"spec/slow/**"}),
            (Files{"spec/slow/b_spec.rb"}));
  EXPECT_EQ(p.discover({"spec/slow"}, kRspec, {"b_spec.rb"}), Files{});
  EXPECT_EQ(p.error, "distributest: no test files match 'spec/slow' (1 excluded by 'exclude')");
}

TEST(DiscoverFilesTest, ArgumentMatchingNothingIsAnError) {
  Project p;
  p.add("spec/a_spec.rb");
  p.add("spec/empty/readme.md");
  EXPECT_EQ(p.discover({"spec/a_spec.rb", "spec/missing_spec.rb"}), Files{});
  EXPECT_EQ(p.error, "distributest: no test files match 'spec/missing_spec.rb'");
  EXPECT_EQ(p.discover({"spec/*_test.rb"}), Files{});
  EXPECT_EQ(p.error, "distributest: no test files match 'spec/*_test.rb'");
  EXPECT_EQ(p.discover({"spec/empty"}), Files{});
  EXPECT_EQ(p.error, "distributest: no test files match 'spec/empty'");
}

TEST(DiscoverFilesTest, NoDefaultMatchNamesTheGlobs) {
  Project p;
  p.add("lib/a.rb");
  EXPECT_EQ(p.discover({}, {"spec/**/*_spec.rb", "test/**/*_test.rb"}), Files{});
  EXPECT_EQ(p.error,
            "distributest: no test files match the default globs (spec/**/*_spec.rb, "
            "test/**/*_test.rb)");
}

TEST(DiscoverFilesTest, PathsOutsideTheProjectAreRefused) {
  Project outside;
  outside.add("x_spec.rb");
  Project p;
  p.add("spec/a_spec.rb");
  fs::create_directory_symlink(outside.root(), p.root() / "linked");
  std::string canonical = fs::canonical(p.root()).string();
  for (const std::string& arg : {std::string("../x_spec.rb"), std::string("spec/../../x"),
                                 (outside.root() / "x_spec.rb").string(),
                                 std::string("linked/x_spec.rb"), std::string("linked")}) {
    EXPECT_EQ(p.discover({arg}), Files{}) << arg;
    EXPECT_EQ(p.error, "distributest: '" + arg + "' is outside the project (" + canonical + ")");
  }
}

TEST(DiscoverFilesTest, DirectorySymlinksAreNotFollowed) {
  Project p;
  p.add("spec/a_spec.rb");
  fs::create_directory_symlink(p.root() / "spec", p.root() / "spec" / "loop");
  fs::create_directory_symlink(p.root() / "spec", p.root() / "alias");
  EXPECT_EQ(p.discover({}, {"**/*_spec.rb"}), (Files{"spec/a_spec.rb"}));
  EXPECT_EQ(p.error, "");
}

TEST(DiscoverFilesTest, FileSymlinksCountOnlyWhenTheTargetIsInside) {
  Project outside;
  outside.add("far_spec.rb");
  Project p;
  p.add("spec/a_spec.rb");
  fs::create_symlink(p.root() / "spec" / "a_spec.rb", p.root() / "spec" / "b_spec.rb");
  fs::create_symlink(outside.root() / "far_spec.rb", p.root() / "spec" / "far_spec.rb");
  EXPECT_EQ(p.discover({}), (Files{"spec/a_spec.rb", "spec/b_spec.rb"}));
}

TEST(DiscoverFilesTest, NewlineInAFileNameIsAnError) {
  Project p;
  p.add("spec/a_spec.rb");
  p.add("spec/bad\nname_spec.rb");
  EXPECT_EQ(p.discover({}), Files{});
  EXPECT_EQ(p.error,
            "distributest: cannot run 'spec/bad\\nname_spec.rb': file names with newlines are "
            "not supported");
  // Excluding it lets the run go on.
  EXPECT_EQ(p.discover({}, kRspec, {"spec/bad*"}), (Files{"spec/a_spec.rb"}));
  EXPECT_EQ(p.discover({"spec/bad\nname_spec.rb"}), Files{});
  EXPECT_NE(p.error.find("file names with newlines"), std::string::npos);
}

TEST(DiscoverFilesTest, MissingProjectIsAnError) {
  std::string error;
  EXPECT_EQ(discover_files("/nonexistent/dt/project", {}, kRspec, {}, &error), Files{});
  EXPECT_TRUE(error.starts_with("distributest: cannot read the project directory")) << error;
}

TEST(PlanFilesTest, HistoryFirstThenSizeAtTheSuitesRate) {
  Project p;
  p.add("a_spec.rb", 1000);  // 4 s known: 0.004 s/B
  p.add("b_spec.rb", 1000);  // 1 s known: 0.001 s/B
  p.add("new_big_spec.rb", 1000);  // (4+1)/2000 = 0.0025 s/B -> 2.5 s
  p.add("new_small_spec.rb", 200);  // 0.5 s
  p.add("empty_spec.rb", 0);
  TimingStore store;
  store.record("a_spec.rb", 4);
  store.record("b_spec.rb", 1);
  store.record("gone_spec.rb", 100);  // not in `files`: does not count toward the rate
  store.record("empty_spec.rb", 0.1);  // no bytes: says nothing about seconds per byte
  auto plan = plan_files(p.dir(), {"new_small_spec.rb", "b_spec.rb", "new_big_spec.rb",
                                   "a_spec.rb", "empty_spec.rb"}, store);
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(plan[0].path, "a_spec.rb");
  EXPECT_TRUE(plan[0].from_history);
  EXPECT_DOUBLE_EQ(plan[0].expected_seconds, 4);
  EXPECT_EQ(plan[1].path, "new_big_spec.rb");
  EXPECT_FALSE(plan[1].from_history);
  EXPECT_EQ(plan[1].bytes, 1000u);
  EXPECT_DOUBLE_EQ(plan[1].expected_seconds, 2.5);
  EXPECT_EQ(plan[2].path, "b_spec.rb");
  EXPECT_EQ(plan[3].path, "new_small_spec.rb");
  EXPECT_DOUBLE_EQ(plan[3].expected_seconds, 0.5);
  EXPECT_EQ(plan[4].path, "empty_spec.rb");
  EXPECT_TRUE(plan[4].from_history);
}

TEST(PlanFilesTest, FixedRateWithoutHistoryAndTiesByPath) {
  Project p;
  p.add("b.rb", 2000);
  p.add("a.rb", 2000);
  p.add("c.rb", 5000);
  p.add("empty.rb", 0);
  TimingStore store;
  store.record("empty.rb", 3);  // history without size tells nothing about seconds per byte
  auto plan = plan_files(p.dir(), {"b.rb", "a.rb", "c.rb", "empty.rb", "missing.rb"}, store);
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(plan[0].path, "empty.rb");
  EXPECT_EQ(plan[1].path, "c.rb");
  EXPECT_DOUBLE_EQ(plan[1].expected_seconds, 5000 * 1e-5);
  EXPECT_EQ(plan[2].path, "a.rb");
  EXPECT_EQ(plan[3].path, "b.rb");
  EXPECT_DOUBLE_EQ(plan[3].expected_seconds, 2000 * 1e-5);
  EXPECT_EQ(plan[4].path, "missing.rb");
  EXPECT_EQ(plan[4].bytes, 0u);
  EXPECT_DOUBLE_EQ(plan[4].expected_seconds, 0);
}

TEST(PlanFilesTest, SortedFilesFindTheirHistoryAsUnsortedOnesDo) {
  TimingStore store;
  store.record("a.rb", 3);
  store.record("aa.rb", 1);   // between two files, in neither list
  store.record("c.rb", 2);
  store.record("zz.rb", 9);   // after the last file
  // Sorted, the store is walked alongside; unsorted, each file is looked up.
  for (const std::vector<std::string>& files :
       {std::vector<std::string>{"a.rb", "b.rb", "c.rb", "d.rb"},
        std::vector<std::string>{"d.rb", "c.rb", "b.rb", "a.rb"}}) {
    auto plan = plan_files("/nonexistent/dt/project", files, store);
    ASSERT_EQ(plan.size(), 4u);
    EXPECT_EQ(plan[0].path, "a.rb");
    EXPECT_TRUE(plan[0].from_history);
    EXPECT_EQ(plan[1].path, "c.rb");
    EXPECT_TRUE(plan[1].from_history);
    EXPECT_FALSE(plan[2].from_history);
    EXPECT_FALSE(plan[3].from_history);
  }
}

TEST(MakespanTest, LowerBound) {
  EXPECT_DOUBLE_EQ(lower_bound({}, 4), 0);
  EXPECT_DOUBLE_EQ(lower_bound({1, 2, 3, 4}, 2), 5);
  EXPECT_DOUBLE_EQ(lower_bound({10, 1, 1}, 4), 10);
  EXPECT_DOUBLE_EQ(lower_bound({1, 2, 3}, 0), 6);
}

std::vector<PlannedFile> planned(const std::vector<double>& seconds) {
  std::vector<PlannedFile> files;
  for (double s : seconds) files.push_back(PlannedFile{"f", 0, s, true});
  return files;
}

TEST(MakespanTest, GreedyListScheduling) {
  EXPECT_DOUBLE_EQ(predicted_makespan({}, 3), 0);
  // Longest first: 5|4, then 3 -> runner 2 (4+3=7), 3 -> runner 1 (5+3=8), 1 -> runner 2 = 8.
  EXPECT_DOUBLE_EQ(predicted_makespan(planned({5, 4, 3, 3, 1}), 2), 8);
  // In the given order, not re-sorted: 1|1, then 5 -> 6.
  EXPECT_DOUBLE_EQ(predicted_makespan(planned({1, 1, 5}), 2), 6);
  EXPECT_DOUBLE_EQ(predicted_makespan(planned({2, 2, 2}), 1), 6);
  EXPECT_DOUBLE_EQ(predicted_makespan(planned({2, 2, 2}), 0), 6);
  EXPECT_DOUBLE_EQ(predicted_makespan(planned({2, 2}), 5), 2);
}

}  // namespace
}  // namespace dt
