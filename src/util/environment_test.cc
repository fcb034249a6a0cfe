#include "util/environment.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "util/testing/scoped_home.h"

namespace dt {
namespace {

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
