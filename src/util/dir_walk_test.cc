#include "util/dir_walk.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "util/testing/temp_tree.h"

namespace dt {
namespace {

namespace fs = std::filesystem;

class Tree : public TempTree {
 public:
  Tree() : TempTree("dt_walk") {}
  void add(const std::string& rel) const { write(rel, "x"); }
};

std::vector<std::string> all_files(const std::string& root, const DirWalk& walk = {},
                                   WalkEnd* end = nullptr) {
  std::vector<std::string> files;
  WalkEnd e = walk_files(root, walk, [&](const std::string& rel) {
    files.push_back(rel);
    return true;
  });
  if (end) *end = e;
  return files;
}

TEST(DirWalkTest, VisitsShallowFilesFirstEachDirectoryInNameOrder) {
  Tree t;
  t.add("b/deep/x.txt");
  t.add("z.txt");
  t.add("a/y.txt");
  t.add("a.txt");
  WalkEnd end;
  EXPECT_EQ(all_files(t.dir(), {}, &end),
            (std::vector<std::string>{"a.txt", "z.txt", "a/y.txt", "b/deep/x.txt"}));
  EXPECT_EQ(end, WalkEnd::kAll);
}

TEST(DirWalkTest, LeavesOutTheDirectoriesSkipDirNames) {
  Tree t;
  t.add("keep/a.txt");
  t.add("drop/b.txt");
  t.add("keep/drop/c.txt");
  DirWalk walk;
  walk.skip_dir = [](const std::string& name, const std::string& rel) {
    return name == "drop" && rel == "drop";  // only the top-level one
  };
  EXPECT_EQ(all_files(t.dir(), walk), (std::vector<std::string>{"keep/a.txt", "keep/drop/c.txt"}));
}

TEST(DirWalkTest, StopsWhenTheVisitorSaysSoAndAtTheEntryCap) {
  Tree t;
  for (const char* f : {"a", "b", "c", "d"}) t.add(f);
  int visited = 0;
  EXPECT_EQ(walk_files(t.dir(), {}, [&](const std::string&) { return ++visited < 2; }),
            WalkEnd::kStopped);
  EXPECT_EQ(visited, 2);
  DirWalk capped;
  capped.max_entries = 3;
  WalkEnd end;
  EXPECT_EQ(all_files(t.dir(), capped, &end), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(end, WalkEnd::kCapped);
}

TEST(DirWalkTest, DoesNotEnterDirectorySymlinksButFollowsFileSymlinks) {
  Tree t;
  t.add("real/a.txt");
  fs::create_directory_symlink(t.dir() + "/real", t.dir() + "/loop");
  fs::create_symlink(t.dir() + "/real/a.txt", t.dir() + "/link.txt");
  EXPECT_EQ(all_files(t.dir()), (std::vector<std::string>{"link.txt", "real/a.txt"}));
}

TEST(DirWalkTest, AnUnreadableRootSaysSo) {
  EXPECT_EQ(walk_files("/nonexistent/dt-walk", {}, [](const std::string&) { return true; }),
            WalkEnd::kUnreadable);
}

}  // namespace
}  // namespace dt
