#include "cli/setup.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "util/testing/scoped_home.h"

namespace dt {
namespace {

// CI containers often run with HOME elsewhere than the passwd home; ssh (and so the default
// ~/.ssh/known_hosts) goes by the passwd home, and "~/" in [ssh] settings must mean the same.
TEST(SetupTest, TildeInSshSettingsIsThePasswdHomeAsInSshConfig) {
  const passwd* pw = getpwuid(getuid());
  ASSERT_TRUE(pw && pw->pw_dir && *pw->pw_dir) << "this test needs a passwd entry";
  std::string home = pw->pw_dir;
  ScopedHome foreign("/nonexistent-home");
  Config config;
  config.known_hosts.value = "~/.ssh/known_hosts";
  NodeConfig node;
  node.name = node.host = "n1";
  node.identity = "~/.ssh/id_ed25519";
  SshNodeSpec spec = ssh_spec(config, node, "/tmp/project", 1);
  EXPECT_EQ(spec.known_hosts, home + "/.ssh/known_hosts");
  EXPECT_EQ(spec.identity, home + "/.ssh/id_ed25519");
}

// ProxyCommand's tokens are expanded when connecting: the spec keeps the command as written,
// and %n's value, the host before ssh_config's HostName.
TEST(SshSpecTest, CarriesTheProxyCommandsOfTheNodeAndItsFirstJumpHost) {
  Config config;
  NodeConfig n;
  n.name = "n";
  n.host = "ci1";
  n.ssh.hostname = "10.0.3.7";
  n.proxy_command = "ssh -W %h:%p gw";
  SshNodeSpec spec = ssh_spec(config, n, "/tmp/project", 1);
  EXPECT_EQ(spec.host, "10.0.3.7");
  EXPECT_EQ(spec.alias, "ci1");
  EXPECT_EQ(spec.proxy_command, "ssh -W %h:%p gw");

  n.proxy_command.clear();
  JumpHost hop;
  hop.host = "gw";
  hop.proxy_command = "nc -X connect -x proxy:3128 %h %p";
  n.jumps = {hop};
  spec = ssh_spec(config, n, "/tmp/project", 1);
  EXPECT_EQ(spec.proxy_command, "");
  ASSERT_EQ(spec.jumps.size(), 1u);
  EXPECT_EQ(spec.jumps[0].proxy_command, "nc -X connect -x proxy:3128 %h %p");
  EXPECT_EQ(spec.jumps[0].alias, "gw");
}

NodeConfig node(const std::string& name, int line) {
  NodeConfig n;
  n.name = name;
  n.host = "local";  // nothing about the host is checked for this box
  n.origin = Origin{"nodes.toml", line};
  return n;
}

// Found in review: nodes `ci-1` and `ci_1` gave the same runner ids.
TEST(CheckNodesTest, RefusesNodesWhoseRunnerIdsWouldBeTheSame) {
  Config config;
  std::string error = check_nodes(config, {node("ci-1", 1), node("ci_1", 5)});
  EXPECT_NE(error.find("nodes.toml:5: node 'ci_1' would get the runner ids of node 'ci-1' "
                       "(nodes.toml:1)"),
            std::string::npos)
      << error;
  EXPECT_NE(check_nodes(config, {node("CI", 1), node("ci", 2)}), "");
  EXPECT_EQ(check_nodes(config, {node("ci-1", 1), node("ci-2", 2), node("ci1", 3)}), "");
}

TEST(SetupTest, RunnerCountIsTheSettingOrWhatTheCpusAllow) {
  CpuCount cpu{8, 3, 1.6};  // 8 CPUs, quota 3, load 1.6
  EXPECT_EQ(runner_count(5, cpu), 5);
  EXPECT_EQ(runner_count(kRunnersAuto, cpu), 3);
  EXPECT_EQ(runner_count(kRunnersIdle, cpu), 1);
  EXPECT_EQ(runner_count(kRunnersIdle, CpuCount{8, 0, 1.6}), 6);
}

// GNU parallel's -j applies to the sshlogins without N/; an N/ is what the user wrote for
// that machine. A [[node]]'s runners, a setting like any other, yields to -n.
TEST(SetupTest, DashNReplacesNodeRunnersButNotAnSshloginsExplicitCount) {
  Config config;
  EXPECT_EQ(runners_override(config), kRunnersAuto);
  config.runners = {3, {"/p/.distributest/config.toml", 1}};
  EXPECT_EQ(runners_override(config), kRunnersAuto);  // the config's runners is this box's
  config.runners = {3, {"command line", 0}};
  EXPECT_EQ(runners_override(config), 3);
  NodeConfig table;
  table.runners = 8;
  NodeConfig counted;
  counted.runners = 2;
  counted.runners_fixed = true;
  NodeConfig bare;  // an sshlogin without N/
  EXPECT_EQ(node_runners(table, 3), 3);
  EXPECT_EQ(node_runners(bare, 3), 3);
  EXPECT_EQ(node_runners(counted, 3), 2);
  EXPECT_EQ(node_runners(counted, kRunnersIdle), 2);
  EXPECT_EQ(node_runners(bare, kRunnersIdle), kRunnersIdle);
  EXPECT_EQ(node_runners(table, kRunnersAuto), 8);  // -n auto, or none: each node's own
}

TEST(SetupTest, PriorityPrefixNicesAndSetsTheIdleIoClassWithoutNeedingIonice) {
  NodeConfig node;
  node.nice = 10;
  node.ionice = "idle";
  std::vector<std::string> prefix = priority_prefix(node);
  ASSERT_EQ(prefix.size(), 7u);
  EXPECT_EQ(prefix[0], "nice");
  EXPECT_EQ(prefix[2], "10");
  EXPECT_EQ(prefix[3], "sh");
  // Whatever ionice does, the command runs: its failure is not the command's.
  EXPECT_NE(prefix[5].find("; exec \"$@\""), std::string::npos);
  node.nice = 0;
  node.ionice = "none";
  EXPECT_TRUE(priority_prefix(node).empty());
}

TEST(SetupTest, PriorityPrefixRunsTheCommandEvenWhereIoniceIsMissing) {
  NodeConfig node;
  node.nice = 3;
  node.ionice = "idle";
  std::vector<std::string> argv = priority_prefix(node);
  // The prefix's `sh -c` part with a PATH that has no ionice.
  std::string line = "env PATH=/nonexistent-dir /bin/sh -c '" + argv[5] + "' ionice /bin/echo ran";
  FILE* p = popen(line.c_str(), "r");
  ASSERT_TRUE(p);
  char buf[64] = {};
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, p);
  EXPECT_EQ(pclose(p), 0);
  EXPECT_EQ(std::string(buf, n), "ran\n");
}

}  // namespace
}  // namespace dt
