// The standard layers, `distributest config`'s listing, and the shipped etc/config.toml.
#include <gtest/gtest.h>

#include <fstream>

#include "config/config.h"
#include "config/config_test_support.h"

namespace dt {
namespace {

using config_test::ScopedEnv;
using config_test::TempDir;

const std::vector<std::string> kDefaultListing = {
    "framework = \"auto\"  # default",
    "command = \"\"  # default",
    "runners = \"auto\"  # default",
    "files = []  # default",
    "exclude = []  # default",
    "args = []  # default",
    "session_per_file = []  # default",
    "split = \"auto\"  # default",
    "timeout = 0  # default",
    "teardown_timeout = 120  # default",
    "fail_fast = 0  # default",
    "max_attempts = 2  # default",
    "retry = 0  # default",
    "flaky = \"pass\"  # default",
    "timings_file = \".distributest/timings\"  # default",
    "log_dir = \"\"  # default",
    "color = \"auto\"  # default",
    "hooks.node_setup = \"\"  # default",
    "hooks.runner_setup = \"\"  # default",
    "hooks.timeout = 1800  # default",
    "env = {}  # default",
    "ssh.known_hosts = \"\"  # default",
    "ssh.host_key_policy = \"strict\"  # default",
    "ssh.remote_root = \"\"  # default",
    "ssh.config = \"\"  # default",
    "sync.exclude = []  # default",
    "artifacts.paths = []  # default",
    "nodes_file = \"\"  # default",
};

// The listing without its "  # origin" comments: the values alone.
std::vector<std::string> values_of(const std::vector<std::string>& listing) {
  std::vector<std::string> values;
  for (const std::string& line : listing) values.push_back(line.substr(0, line.rfind("  # ")));
  return values;
}

// Every layer's location points into a fresh directory, so the machine's own files never
// take part.
class ConfigLayersTest : public ::testing::Test {
 protected:
  std::optional<ConfigError> load(const std::string& explicit_file = "") {
    return load_config_layers(project, explicit_file, config);
  }

  TempDir dir;
  std::string system = dir / "system.toml";
  std::string user = dir / "xdg/distributest/config.toml";
  std::string project = dir / "project";
  std::string project_file = project + "/.distributest/config.toml";
  ScopedEnv system_env{"DISTRIBUTEST_SYSTEM_CONFIG", system};
  ScopedEnv xdg_env{"XDG_CONFIG_HOME", dir / "xdg"};
  ScopedEnv home_env{"HOME", dir / "home"};
  Config config;
};

TEST_F(ConfigLayersTest, NoFilesGiveTheDefaults) {
  ASSERT_FALSE(load());
  EXPECT_EQ(describe_config(config), kDefaultListing);
}

TEST_F(ConfigLayersTest, LaterLayersOverrideEarlierOnes) {
  dir.write("system.toml", "framework = \"rspec\"\nrunners = 2\ntimeout = 10\ncolor = \"never\"\n");
  dir.write("xdg/distributest/config.toml", "\nrunners = 3\ntimeout = 20\n");
  dir.write("project/.distributest/config.toml", "\n\ntimeout = 30\nfail_fast = 1\n");
  std::string explicit_file = dir.write("explicit.toml", "\n\n\nfail_fast = 5\n");
  ASSERT_FALSE(load(explicit_file));
  EXPECT_EQ(config.framework.value, "rspec");
  EXPECT_EQ(config.framework.origin.describe(), system + ":1");
  EXPECT_EQ(config.color.origin.describe(), system + ":4");
  EXPECT_EQ(config.runners.value, 3);
  EXPECT_EQ(config.runners.origin.describe(), user + ":2");
  EXPECT_EQ(config.timeout.value, 30.0);
  EXPECT_EQ(config.timeout.origin.describe(), project_file + ":3");
  EXPECT_EQ(config.fail_fast.value, 5);
  EXPECT_EQ(config.fail_fast.origin.describe(), explicit_file + ":4");
  EXPECT_EQ(config.max_attempts.origin.describe(), "default");
}

TEST_F(ConfigLayersTest, UserLayerFallsBackToHomeWithoutXdg) {
  ScopedEnv no_xdg{"XDG_CONFIG_HOME", std::nullopt};
  std::string home_file = dir.write("home/.config/distributest/config.toml", "runners = 7\n");
  ASSERT_FALSE(load());
  EXPECT_EQ(config.runners.value, 7);
  EXPECT_EQ(config.runners.origin.describe(), home_file + ":1");
}

TEST_F(ConfigLayersTest, RelativeXdgConfigHomeIsIgnored) {
  ScopedEnv relative_xdg{"XDG_CONFIG_HOME", "relative/dir"};
  std::string home_file = dir.write("home/.config/distributest/config.toml", "runners = 7\n");
  ASSERT_FALSE(load());
  EXPECT_EQ(config.runners.origin.describe(), home_file + ":1");
}

TEST_F(ConfigLayersTest, EnvMergesAcrossLayers) {
  dir.write("system.toml", "[env]\nA = \"system\"\nB = \"system\"\n");
  dir.write("project/.distributest/config.toml", "\n[env]\nB = \"project\"\nC = \"project\"\n");
  ASSERT_FALSE(load());
  EXPECT_EQ(config.env.value, (std::map<std::string, std::string>{
                                  {"A", "system"}, {"B", "project"}, {"C", "project"}}));
  EXPECT_EQ(config.env.origin.describe(), project_file + ":2");
}

TEST_F(ConfigLayersTest, NodesComeFromTheLastLayerThatHasAny) {
  dir.write("xdg/distributest/config.toml", "[[node]]\nhost = \"u1\"\n[[node]]\nhost = \"u2\"\n");
  dir.write("project/.distributest/config.toml", "runners = 2\n\n[[node]]\nhost = \"p1\"\n");
  std::string explicit_file = dir.write("explicit.toml", "timeout = 1\n");
  ASSERT_FALSE(load(explicit_file));
  ASSERT_EQ(config.nodes.size(), 1u);
  EXPECT_EQ(config.nodes[0].host, "p1");
  EXPECT_EQ(config.nodes[0].origin.describe(), project_file + ":3");
}

TEST_F(ConfigLayersTest, MissingExplicitFileIsAnError) {
  auto error = load(dir / "nope.toml");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, dir / "nope.toml: cannot read config file: No such file or directory");
}

TEST_F(ConfigLayersTest, StopsAtTheFirstBadLayer) {
  dir.write("system.toml", "runners = 2\n");
  dir.write("xdg/distributest/config.toml", "colour = \"never\"\n");
  dir.write("project/.distributest/config.toml", "timeout = 3\n");
  auto error = load();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, user + ":1: unknown key 'colour' (did you mean 'color'?)");
  EXPECT_EQ(config.runners.value, 2);    // the layers before the bad one stay applied
  EXPECT_EQ(config.timeout.value, 0.0);  // and the ones after it are not read
}

TEST_F(ConfigLayersTest, DescribeListsEveryValueWithItsOrigin) {
  dir.write("project/.distributest/config.toml",
            "runners = 4\n"                  // 1
            "timeout = 2.5\n"                // 2
            "files = [\"a\", \"b\\\"c\"]\n"  // 3
            "[hooks]\n"                      // 4
            "node_setup = \"make\"\n"        // 5
            "[env]\n"                        // 6
            "\"A B\" = \"x\"\n"              // 7
            "Z = \"1\"\n"                    // 8
            "[[node]]\n"                     // 9
            "host = \"h1\"\n"                // 10
            "[[node]]\n"                     // 11
            "host = \"h2\"\n"                // 12
            "name = \"two\"\n"               // 13
            "user = \"ci\"\n"                // 14
            "runners = 3\n"                  // 15
            "env = { K = \"v\" }\n");        // 16
  ASSERT_FALSE(load());
  std::vector<std::string> expected = kDefaultListing;
  expected[2] = "runners = 4  # " + project_file + ":1";
  expected[3] = "files = [\"a\", \"b\\\"c\"]  # " + project_file + ":3";
  expected[8] = "timeout = 2.5  # " + project_file + ":2";
  expected[17] = "hooks.node_setup = \"make\"  # " + project_file + ":5";
  expected[20] = "env = {\"A B\" = \"x\", Z = \"1\"}  # " + project_file + ":6";
  expected.push_back("node[1] = {host = \"h1\", port = 22, runners = \"auto\", nice = 10, "
                     "ionice = \"idle\"}  # " + project_file + ":9");
  expected.push_back(
      "node[2] = {name = \"two\", host = \"h2\", port = 22, user = \"ci\", runners = 3, "
      "nice = 10, ionice = \"idle\", env = {K = \"v\"}}  # " +
      project_file + ":11");
  EXPECT_EQ(describe_config(config), expected);
}

#ifdef DISTRIBUTEST_SOURCE_DIR
const std::string kShippedConfig = DISTRIBUTEST_SOURCE_DIR "/etc/config.toml";
#else
const std::string kShippedConfig = "etc/config.toml";
#endif

// The file with "#" removed from lines like "#key = value" and "#[table]".
std::string uncommented(const std::string& path) {
  std::ifstream in(path);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    bool setting =
        line.size() > 1 && line[0] == '#' && ((line[1] >= 'a' && line[1] <= 'z') || line[1] == '[');
    out += (setting ? line.substr(1) : line) + "\n";
  }
  return out;
}

TEST(ShippedConfigTest, ParsesAndChangesNothing) {
  Config config;
  auto error = load_config_file(kShippedConfig, /*optional=*/false, config);
  ASSERT_FALSE(error) << error->message;
  EXPECT_EQ(describe_config(config), kDefaultListing);
}

// The file shows each setting commented out as "#key = default" (explanations start "# "):
// uncommented, the defaults it documents must be the real ones, and the example node valid.
TEST(ShippedConfigTest, DocumentedValuesAreTheDefaults) {
  std::string text = uncommented(kShippedConfig);
  ASSERT_FALSE(text.empty()) << kShippedConfig;
  TempDir dir;
  Config config;
  auto error = load_config_file(dir.write("config.toml", text), /*optional=*/false, config);
  ASSERT_FALSE(error) << error->message;

  std::vector<std::string> expected = values_of(kDefaultListing);
  expected.push_back(
      "node[1] = {name = \"build1\", host = \"build1.example.com\", port = 22, user = \"ci\", "
      "identity = \"/home/ci/.ssh/id_ed25519\", runners = \"auto\", nice = 10, ionice = \"idle\", "
      "remote_root = \"/var/cache/distributest\", env = {PARALLEL_WORKERS = \"1\"}}");
  EXPECT_EQ(values_of(describe_config(config)), expected);
  EXPECT_NE(config.framework.origin.describe(), "default");  // really set by the file
}

}  // namespace
}  // namespace dt
