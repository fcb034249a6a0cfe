#include "util/atomic_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace dt {
namespace {

namespace fs = std::filesystem;

class ReplaceFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "distributest_util_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  static std::string read(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir;
};

TEST_F(ReplaceFileTest, ReplacesTheWholeFileAndLeavesNoTemporaryFile) {
  std::ofstream(dir / "state") << "old and much longer content\n";
  ASSERT_EQ(replace_file((dir / "state").string(), "new\n"), "");
  EXPECT_EQ(read(dir / "state"), "new\n");
  EXPECT_EQ(names(), std::vector<std::string>{"state"});
}

TEST_F(ReplaceFileTest, ReplacesASymlinkInsteadOfWritingThroughIt) {
  std::ofstream(dir / "elsewhere") << "not yours\n";
  fs::create_symlink(dir / "elsewhere", dir / "state");
  ASSERT_EQ(replace_file((dir / "state").string(), "mine\n"), "");
  EXPECT_EQ(read(dir / "elsewhere"), "not yours\n");
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(dir / "state")));
  EXPECT_EQ(read(dir / "state"), "mine\n");
}

TEST_F(ReplaceFileTest, ANewFileGetsTheUmasksModeAndAnOldOneKeepsItsOwn) {
  mode_t old_mask = ::umask(027);
  std::string error = replace_file((dir / "new").string(), "x");
  ::umask(old_mask);
  ASSERT_EQ(error, "");
  EXPECT_EQ(static_cast<int>(fs::status(dir / "new").permissions() & fs::perms::all), 0640);

  std::ofstream(dir / "shared") << "x";
  fs::permissions(dir / "shared", static_cast<fs::perms>(0664));
  ASSERT_EQ(replace_file((dir / "shared").string(), "y"), "");
  EXPECT_EQ(static_cast<int>(fs::status(dir / "shared").permissions() & fs::perms::all), 0664);
}

TEST_F(ReplaceFileTest, AMissingDirectoryIsAnErrorNamingIt) {
  std::string error = replace_file((dir / "gone" / "state").string(), "x");
  EXPECT_NE(error.find((dir / "gone").string()), std::string::npos) << error;
}

}  // namespace
}  // namespace dt
