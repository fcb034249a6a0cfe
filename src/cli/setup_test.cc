#include "cli/setup.h"

#include <gtest/gtest.h>

namespace dt {
namespace {

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

}  // namespace
}  // namespace dt
