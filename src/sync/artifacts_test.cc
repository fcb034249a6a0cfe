#include "sync/artifacts.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "sync/sync.h"
#include "transport/remote_command.h"

namespace dt {
namespace {

namespace fs = std::filesystem;

// Runs the real rsync with artifact_rsync_argv's filters between two local directories (the
// relay and its placeholder host replaced by the source path): what the filters keep is
// exactly what a node's copy would send back.
std::set<std::string> fetched(const fs::path& copy, const std::vector<std::string>& globs,
                              const fs::path& dest) {
  std::vector<std::string> argv = artifact_rsync_argv(globs, dest.string());
  std::string command;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "-e") {
      ++i;  // and its relay
      continue;
    }
    std::string arg = argv[i] == std::string(kRelayHost) + ":./" ? copy.string() + "/" : argv[i];
    command += shell_quote(arg) + " ";
  }
  fs::create_directories(dest);
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::set<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dest)) {
    found.insert(fs::relative(entry.path(), dest).string() + (entry.is_directory() ? "/" : ""));
  }
  return found;
}

void write(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "x";
}

TEST(ArtifactsTest, OnlyWhatTheGlobsMatchComesBackWithTheDirectoriesLeadingToIt) {
  fs::path root = fs::temp_directory_path() / ("dt-artifacts-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::path copy = root / "copy";
  for (const char* f : {"coverage/.resultset.json", "coverage/sub/b.json", "tmp/screenshots/x.png",
                        "tmp/screenshots/x.txt", "tmp/cache/y.png", "lib/code.rb",
                        "spec/coverage/not_top.json", ".distributest-runtime/runners/pytest",
                        ".distributest-dir", ".distributest/timings"}) {
    write(copy / f);
  }
  fs::create_directories(copy / "empty");
  std::set<std::string> got =
      fetched(copy, {"coverage/**", "tmp/screenshots/*.png", "**/*.distributest*"}, root / "dest");
  EXPECT_EQ(got, (std::set<std::string>{"coverage/", "coverage/.resultset.json", "coverage/sub/",
                                        "coverage/sub/b.json", "tmp/", "tmp/screenshots/",
                                        "tmp/screenshots/x.png"}));
  fs::remove_all(root);
}

TEST(ArtifactsTest, TheyLandInTheProjectsOwnDirectory) {
  EXPECT_EQ(artifacts_dir("/home/me/app"), "/home/me/app/.distributest/artifacts");
}

}  // namespace
}  // namespace dt
