#include "util/environment.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace dt {
namespace {

// Sets (or unsets, with nullopt) HOME for one test and puts the old value back.
class ScopedHome {
 public:
  explicit ScopedHome(const std::optional<std::string>& value) {
    if (const char* old = std::getenv("HOME")) old_ = old;
    if (value) {
      setenv("HOME", value->c_str(), 1);
    } else {
      unsetenv("HOME");
    }
  }
  ~ScopedHome() {
    if (old_) {
      setenv("HOME", old_->c_str(), 1);
    } else {
      unsetenv("HOME");
    }
  }

 private:
  std::optional<std::string> old_;
};

// What the password database says, read the simple way for comparison.
std::string expected_passwd_home() {
  const passwd* pw = getpwuid(getuid());
  return pw && pw->pw_dir ? pw->pw_dir : "";
}

TEST(EnvironmentTest, PasswdHomeIsTheDatabasesWhateverHomeSays) {
  ScopedHome home("/somewhere/else");
  EXPECT_EQ(passwd_home_directory(), expected_passwd_home());
}

TEST(EnvironmentTest, HomeDirectoryPrefersHome) {
  ScopedHome home("/somewhere/else");
  EXPECT_EQ(home_directory(), "/somewhere/else");
}

TEST(EnvironmentTest, HomeDirectoryFallsBackToThePasswordDatabaseWhenHomeIsUnsetOrEmpty) {
  ASSERT_FALSE(expected_passwd_home().empty()) << "this test needs a passwd entry";
  {
    ScopedHome home(std::nullopt);
    EXPECT_EQ(home_directory(), expected_passwd_home());
  }
  {
    ScopedHome home("");
    EXPECT_EQ(home_directory(), expected_passwd_home());
  }
}

TEST(EnvironmentTest, SshHomeIgnoresHomeAsOpenSshDoes) {
  ASSERT_FALSE(expected_passwd_home().empty()) << "this test needs a passwd entry";
  ScopedHome home("/somewhere/else");
  EXPECT_EQ(ssh_home_directory(), expected_passwd_home());
}

TEST(EnvironmentTest, UserNameIsTheDatabases) {
  const passwd* pw = getpwuid(getuid());
  ASSERT_NE(pw, nullptr);
  EXPECT_EQ(passwd_user_name(), pw->pw_name);
}

}  // namespace
}  // namespace dt
