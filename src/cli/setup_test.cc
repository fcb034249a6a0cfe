#include "cli/setup.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace dt {
namespace {

// HOME set to a directory that is not the user's home, for one test.
class ForeignHome {
 public:
  ForeignHome() {
    if (const char* old = std::getenv("HOME")) old_ = old;
    setenv("HOME", "/nonexistent-home", 1);
  }
  ~ForeignHome() {
    if (old_) {
      setenv("HOME", old_->c_str(), 1);
    } else {
      unsetenv("HOME");
    }
  }

 private:
  std::optional<std::string> old_;
};

// CI containers often run with HOME elsewhere than the passwd home; ssh (and so the default
// ~/.ssh/known_hosts) goes by the passwd home, and "~/" in [ssh] settings must mean the same.
TEST(SetupTest, TildeInSshSettingsIsThePasswdHomeAsInSshConfig) {
  const passwd* pw = getpwuid(getuid());
  ASSERT_TRUE(pw && pw->pw_dir && *pw->pw_dir) << "this test needs a passwd entry";
  std::string home = pw->pw_dir;
  ForeignHome foreign;
  Config config;
  config.known_hosts.value = "~/.ssh/known_hosts";
  NodeConfig node;
  node.name = node.host = "n1";
  node.identity = "~/.ssh/id_ed25519";
  SshNodeSpec spec = ssh_spec(config, node, "/tmp/project", 1);
  EXPECT_EQ(spec.known_hosts, home + "/.ssh/known_hosts");
  EXPECT_EQ(spec.identity, home + "/.ssh/id_ed25519");
}

}  // namespace
}  // namespace dt
