#include "config/sshlogin.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace dt {
namespace {

NodeConfig parse_ok(std::string_view entry) {
  NodeConfig node;
  std::optional<std::string> why = parse_sshlogin(entry, node);
  EXPECT_FALSE(why) << entry << ": " << why.value_or("");
  return node;
}

std::string parse_error(std::string_view entry) {
  NodeConfig node;
  return parse_sshlogin(entry, node).value_or("(parsed)");
}

TEST(SshloginTest, HostAloneIsANodeNamedAfterItWithAutoRunners) {
  NodeConfig node = parse_ok("ci1");
  EXPECT_EQ(node.name, "ci1");
  EXPECT_EQ(node.host, "ci1");
  EXPECT_EQ(node.port, 22);
  EXPECT_EQ(node.user, "");
  EXPECT_EQ(node.runners, 0);
}

TEST(SshloginTest, RunnersUserHostAndPort) {
  NodeConfig node = parse_ok("4/deploy@ci1.example.com:2222");
  EXPECT_EQ(node.runners, 4);
  EXPECT_EQ(node.user, "deploy");
  EXPECT_EQ(node.host, "ci1.example.com");
  EXPECT_EQ(node.name, "ci1.example.com");
  EXPECT_EQ(node.port, 2222);
}

TEST(SshloginTest, AnExplicitRunnerCountIsFixedAndPrioritiesGetTheNodeDefaults) {
  NodeConfig counted = parse_ok("4/ci1");
  EXPECT_TRUE(counted.runners_fixed);  // -n leaves it, as parallel's -j leaves N/
  EXPECT_EQ(counted.nice, 10);
  EXPECT_EQ(counted.ionice, "idle");
  EXPECT_FALSE(parse_ok("ci1").runners_fixed);
  NodeConfig here = parse_ok("2/:");
  EXPECT_TRUE(here.runners_fixed);
  EXPECT_EQ(here.nice, 0);
  EXPECT_EQ(here.ionice, "none");
}

TEST(SshloginTest, ColonAloneIsThisBox) {
  NodeConfig node = parse_ok(":");
  EXPECT_EQ(node.host, kLocalHostName);
  EXPECT_EQ(node.name, kLocalHostName);
  EXPECT_EQ(parse_ok("16/:").runners, 16);
}

TEST(SshloginTest, SshCommandWithPortAndUser) {
  NodeConfig node = parse_ok("4/ssh -p 2222 quadserver.example.net");
  EXPECT_EQ(node.runners, 4);
  EXPECT_EQ(node.host, "quadserver.example.net");
  EXPECT_EQ(node.port, 2222);
  node = parse_ok("ssh -l me -p 23 other@h");
  EXPECT_EQ(node.user, "me");
  EXPECT_EQ(node.host, "h");
  EXPECT_EQ(node.port, 23);
}

TEST(SshloginTest, Ipv6AddressesBareAndBracketed) {
  EXPECT_EQ(parse_ok("::1").host, "::1");
  NodeConfig node = parse_ok("[::1]:2222");
  EXPECT_EQ(node.host, "::1");
  EXPECT_EQ(node.port, 2222);
}

TEST(SshloginTest, WhatCannotBeHonouredIsRejectedWithTheReason) {
  EXPECT_EQ(parse_error("@group1/server1"), "host groups (@group) are not supported");
  EXPECT_EQ(parse_error("me:secret@h"), "passwords are not supported; use a key file or ssh-agent");
  EXPECT_EQ(parse_error("myssh -p 2222 h").substr(0, 33), "another ssh program ('myssh') is ");
  EXPECT_EQ(parse_error("ssh -o Foo=1 h"), "ssh option '-o' is not supported (only -p and -l)");
  EXPECT_EQ(parse_error("ssh a b"), "ssh takes one host, not 'a' and 'b'");
  EXPECT_EQ(parse_error("ssh -p"), "ssh option -p has no value");
  EXPECT_EQ(parse_error("h:0"), "port '0' is not a number from 1 to 65535");
  EXPECT_EQ(parse_error("h:x"), "port 'x' is not a number from 1 to 65535");
  EXPECT_EQ(parse_error("h:"), "':' with no port after it");
  EXPECT_EQ(parse_error("0/h"), "N/ needs a number of runners from 1 to 100000");
  EXPECT_EQ(parse_error("4/"), "no host");
  EXPECT_EQ(parse_error("@h"), "host groups (@group) are not supported");
  EXPECT_EQ(parse_error("me@"), "no host");
  EXPECT_EQ(parse_error("a/b"), "'a/b' is not a host name");
  EXPECT_EQ(parse_error(".."), "reading sshlogins from ~/.parallel or stdin is not supported; "
                               "use --sshloginfile FILE");
}

TEST(SshloginTest, ListSplitsOnCommasAndNamesTheOptionAndEntryInErrors) {
  std::vector<NodeConfig> nodes;
  EXPECT_FALSE(parse_sshlogin_list("4/ci1,8/ci2,:,", "-S", nodes));
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].runners, 4);
  EXPECT_EQ(nodes[1].host, "ci2");
  EXPECT_EQ(nodes[2].host, kLocalHostName);
  EXPECT_EQ(parse_sshlogin_list("ci1, me:pw@ci2", "-S", nodes).value_or(""),
            "-S: 'me:pw@ci2': passwords are not supported; use a key file or ssh-agent");
}

TEST(SshloginTest, FileSkipsCommentsAndBlankLinesAndErrorsNameFileLineAndEntry) {
  std::string path = testing::TempDir() + "sshlogin_test_nodes";
  std::ofstream(path) << "# the fleet\n\n  2/ci1\nssh -p 2222 ci2\n  # off\n";
  std::vector<NodeConfig> nodes;
  EXPECT_FALSE(read_sshlogin_file(path, nodes));
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].runners, 2);
  EXPECT_EQ(nodes[1].port, 2222);
  EXPECT_EQ(nodes[1].origin.describe(), path + ":4");
  std::ofstream(path) << "ci1\n\n@g/ci2\n";
  EXPECT_EQ(read_sshlogin_file(path, nodes).value_or(""),
            path + ":3: '@g/ci2': host groups (@group) are not supported");
  std::remove(path.c_str());
  EXPECT_NE(read_sshlogin_file(path, nodes).value_or("").find("cannot read nodes file"),
            std::string::npos);
}

TEST(SshloginTest, MergeNamesOneHostsLoginsApartAndRejectsOtherClashes) {
  std::vector<NodeConfig> extra;
  ASSERT_FALSE(parse_sshlogin_list("a@h,b@h:2222,g", "-S", extra));
  NodeConfig configured;
  configured.name = configured.host = "x";
  configured.origin = {"config.toml", 3};
  std::vector<NodeConfig> nodes{configured};
  EXPECT_FALSE(merge_nodes(nodes, extra));
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[1].name, "a@h");
  EXPECT_EQ(nodes[2].name, "b@h:2222");
  EXPECT_EQ(nodes[3].name, "g");
  std::vector<NodeConfig> clash;
  ASSERT_FALSE(parse_sshlogin_list("x", "-S", clash));
  EXPECT_EQ(merge_nodes(nodes, clash).value_or(""),
            "-S 'x': duplicate node 'x' (also at config.toml:3)");
}

}  // namespace
}  // namespace dt
