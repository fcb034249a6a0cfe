#include "sync/sync.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dt {
namespace {

bool has(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

TEST(SyncTest, RemoteDirIsKeyedByProjectAndInitiatingHost) {
  EXPECT_EQ(remote_project_dir(".cache/distributest", "/home/ann/src/shop", "devbox"),
            ".cache/distributest/shop@devbox");
  EXPECT_EQ(remote_project_dir("/srv/dt/", "/home/ann/my app", "lap"), "/srv/dt/my app@lap");
}

TEST(SyncTest, RefusesRemoteRootsThatAreNotDedicatedDirectories) {
  for (const char* bad : {"", "/", "~", "~/", ".", "..", "/root", "/home", "/tmp", "/etc/",
                          "/usr", "/home/ann", "a/../..", "~/cache"}) {
    EXPECT_NE(check_remote_root(bad), "") << "accepted '" << bad << "'";
  }
  for (const char* good : {".cache/distributest", "/srv/distributest", "/tmp/dt-ci",
                           "/home/ann/.cache/distributest"}) {
    EXPECT_EQ(check_remote_root(good), "") << "refused '" << good << "'";
  }
  EXPECT_NE(check_remote_root("/").find("not a dedicated directory"), std::string::npos);
}

TEST(SyncTest, RsyncUsesTheNodesSshSettingsAndKeepsOurFilesOutOfDelete) {
  SshNodeSpec node;
  node.name = "n1";
  node.host = "10.0.0.5";
  node.port = 2222;
  node.user = "ci";
  node.identity = "/keys/my key";
  node.known_hosts = "/keys/known_hosts";
  std::vector<std::string> argv =
      rsync_argv(node, "/src/app", ".cache/distributest/app@box", {"tmp/", "*.log"});
  EXPECT_EQ(argv[0], "rsync");
  EXPECT_TRUE(has(argv, "--delete"));
  EXPECT_TRUE(has(argv, "--protect-args"));  // remote paths with spaces are data
  auto e = std::find(argv.begin(), argv.end(), "-e");
  ASSERT_NE(e, argv.end());
  const std::string& ssh = *(e + 1);
  EXPECT_NE(ssh.find("-p 2222"), std::string::npos) << ssh;
  EXPECT_NE(ssh.find("-i '/keys/my key'"), std::string::npos) << ssh;
  EXPECT_NE(ssh.find("UserKnownHostsFile=/keys/known_hosts"), std::string::npos) << ssh;
  EXPECT_NE(ssh.find("StrictHostKeyChecking=yes"), std::string::npos) << ssh;
  EXPECT_NE(ssh.find("-l ci"), std::string::npos) << ssh;
  EXPECT_TRUE(has(argv, "--exclude=/.distributest-dir"));
  EXPECT_TRUE(has(argv, "--exclude=/.distributest-lock"));
  EXPECT_TRUE(has(argv, std::string("--exclude=/") + kRemoteRuntimeDir));
  EXPECT_TRUE(has(argv, "--exclude=tmp/"));
  EXPECT_TRUE(has(argv, "--exclude=*.log"));
  EXPECT_TRUE(has(argv, "--filter=:- .gitignore"));
  EXPECT_EQ(argv[argv.size() - 2], "/src/app/");
  EXPECT_EQ(argv.back(), "10.0.0.5:.cache/distributest/app@box/");
}

}  // namespace
}  // namespace dt
