// The config's nodes_file: an sshlogin file whose entries follow the layer's [[node]] tables.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/config_test_support.h"

namespace dt {
namespace {

using config_test::ScopedEnv;
using config_test::TempDir;

// Configs live in conf/, so that paths relative to them differ from the test's own dir.
class NodesFileTest : public config_test::ConfigFileFixture {
 protected:
  std::string load(const std::string& content, const std::string& name = "conf/config.toml") {
    return ConfigFileFixture::load(content, name);
  }
};

TEST_F(NodesFileTest, EntriesFollowTheNodeTablesWithTheirFileAndLine) {
  std::string nodes = dir.write("conf/fleet.txt", "# the fleet\n4/ci@ci1:2222\n\nci2\n:\n");
  ASSERT_EQ(load("nodes_file = \"fleet.txt\"\n[[node]]\nhost = \"build1\"\nrunners = 3\n"), "");
  ASSERT_EQ(config.nodes.size(), 4u);
  EXPECT_EQ(config.nodes[0].name, "build1");
  const NodeConfig& ci1 = config.nodes[1];
  EXPECT_EQ(ci1.host, "ci1");
  EXPECT_EQ(ci1.user, "ci");
  EXPECT_EQ(ci1.port, 2222);
  EXPECT_EQ(ci1.runners, 4);
  EXPECT_TRUE(ci1.runners_fixed);
  EXPECT_EQ(ci1.origin.describe(), nodes + ":2");
  EXPECT_EQ(config.nodes[2].runners, kRunnersAuto);
  EXPECT_FALSE(config.nodes[2].runners_fixed);
  EXPECT_EQ(config.nodes[2].origin.describe(), nodes + ":4");
  EXPECT_EQ(config.nodes[3].host, kLocalHostName);
  EXPECT_FALSE(config.nodes[0].runners_fixed);  // a [[node]]'s runners yield to -n
  EXPECT_EQ(config.nodes_file.value, "fleet.txt");
  EXPECT_EQ(config.nodes_file.origin.describe(), path + ":1");
}

TEST_F(NodesFileTest, ItsNodesGetTheSamePriorityDefaultsAsNodeTables) {
  dir.write("conf/fleet.txt", "ci1\n:\n");
  ASSERT_EQ(load("nodes_file = \"fleet.txt\"\n"), "");
  ASSERT_EQ(config.nodes.size(), 2u);
  EXPECT_EQ(config.nodes[0].nice, 10);
  EXPECT_EQ(config.nodes[0].ionice, "idle");
  EXPECT_EQ(config.nodes[1].nice, 0);
  EXPECT_EQ(config.nodes[1].ionice, "none");
}

TEST_F(NodesFileTest, AbsoluteAndHomePathsAreTakenAsThey) {
  std::string nodes = dir.write("elsewhere/fleet", "ci1\n");
  ASSERT_EQ(load("nodes_file = \"" + nodes + "\"\n"), "");
  ASSERT_EQ(config.nodes.size(), 1u);
  ScopedEnv home("HOME", dir / "elsewhere");
  ASSERT_EQ(load("nodes_file = \"~/fleet\"\n"), "");
  ASSERT_EQ(config.nodes.size(), 1u);
  EXPECT_EQ(config.nodes[0].origin.describe(), nodes + ":1");
}

TEST_F(NodesFileTest, AMissingFileNamesTheKeyAndThePathItLookedAt) {
  std::string error = load("runners = 2\nnodes_file = \"fleet.txt\"\n");
  EXPECT_EQ(error,
            path + ":2: 'nodes_file': cannot read " + dir.path() +
                "/conf/fleet.txt: No such file or directory");
}

TEST_F(NodesFileTest, ABadEntryNamesTheNodesFileLineAndTheKey) {
  std::string nodes = dir.write("conf/fleet.txt", "ci1\n# next\nci:secret@ci2\n");
  std::string error = load("nodes_file = \"fleet.txt\"\n");
  EXPECT_EQ(error,
            nodes + ":3: 'ci:secret@ci2': passwords are not supported; use a key file or " +
                "ssh-agent (in the nodes_file of " + path + ":1)");
}

TEST_F(NodesFileTest, ANodeInBothTheTablesAndTheFileIsADuplicate) {
  std::string nodes = dir.write("conf/fleet.txt", "ci2\nci1\n");
  std::string error = load("nodes_file = \"fleet.txt\"\n[[node]]\nhost = \"ci1\"\n");
  EXPECT_EQ(error,
            nodes + ":2: duplicate node 'ci1' (also at " + path + ":2) (in the nodes_file of " +
                path + ":1)");
}

TEST_F(NodesFileTest, ALayerWithEitherReplacesTheEarlierLayersNodes) {
  dir.write("conf/fleet.txt", "ci1\nci2\n");
  ASSERT_EQ(load("[[node]]\nhost = \"a\"\n", "first.toml"), "");
  ASSERT_EQ(load("nodes_file = \"fleet.txt\"\n"), "");
  ASSERT_EQ(config.nodes.size(), 2u);  // "a" is gone: the file lists the whole cluster
  EXPECT_EQ(config.nodes[0].host, "ci1");
  ASSERT_EQ(load("timeout = 3\n", "third.toml"), "");
  EXPECT_EQ(config.nodes.size(), 2u);  // a layer with neither keeps them
  ASSERT_EQ(load("[[node]]\nhost = \"b\"\n", "fourth.toml"), "");
  ASSERT_EQ(config.nodes.size(), 1u);
  EXPECT_EQ(config.nodes_file.value, "");  // nor does the earlier layer's file linger
  EXPECT_EQ(config.nodes_file.origin.describe(), "default");
  ASSERT_EQ(load("nodes_file = \"\"\n", "fifth.toml"), "");
  EXPECT_TRUE(config.nodes.empty());  // "" lists no nodes, as node = [] does
}

TEST_F(NodesFileTest, ConfigListingShowsTheFileAndEachNodeWithItsLine) {
  std::string nodes = dir.write("conf/fleet.txt", "2/ci1\n");
  ASSERT_EQ(load("nodes_file = \"fleet.txt\"\n"), "");
  std::vector<std::string> lines = describe_config(config);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[lines.size() - 2], "nodes_file = \"fleet.txt\"  # " + path + ":1");
  EXPECT_EQ(lines.back(),
            "node[1] = {host = \"ci1\", port = 22, runners = 2, nice = 10, ionice = \"idle\"}  # " +
                nodes + ":1");
}

}  // namespace
}  // namespace dt
