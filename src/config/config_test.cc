// Reading a single config file: values, origins and every error message, word for word.
#include "config/config.h"

#include <gtest/gtest.h>

#include "config/config_internal.h"
#include "config/config_test_support.h"

namespace dt {
namespace {

using config_test::TempDir;

using ConfigFileTest = config_test::ConfigFileFixture;

TEST(OriginTest, DescribesFileLineOrSource) {
  EXPECT_EQ((Origin{"/etc/x.toml", 7}.describe()), "/etc/x.toml:7");
  EXPECT_EQ((Origin{"default", 0}.describe()), "default");
  EXPECT_EQ((Origin{"command line", 0}.describe()), "command line");
}

TEST(ConfigDefaultsTest, EveryValueIsTheDocumentedDefault) {
  Config config;
  EXPECT_EQ(config.framework.value, "auto");
  EXPECT_EQ(config.runners.value, 0);
  EXPECT_EQ(config.timeout.value, 0.0);
  EXPECT_EQ(config.max_attempts.value, 2);
  EXPECT_EQ(config.timings_file.value, ".distributest/timings");
  EXPECT_EQ(config.host_key_policy.value, "strict");
  EXPECT_EQ(config.framework.origin.describe(), "default");
  EXPECT_TRUE(config.nodes.empty());
}

TEST_F(ConfigFileTest, AppliesEveryKeyWithItsLine) {
  ASSERT_EQ(load("framework = \"command\"\n"           // 1
                 "command = \"sh {file}\"\n"           // 2
                 "runners = 3\n"                       // 3
                 "files = [\"t/*.sh\", \"u/*.sh\"]\n"  // 4
                 "exclude = [\"t/slow.sh\"]\n"         // 5
                 "timeout = 2.5\n"                     // 6
                 "fail_fast = 1\n"                     // 7
                 "max_attempts = 3\n"                  // 8
                 "timings_file = \"tm\"\n"             // 9
                 "log_dir = \"/var/log/dt\"\n"         // 10
                 "color = \"never\"\n"                 // 11
                 "[hooks]\n"                           // 12
                 "node_setup = \"make\"\n"             // 13
                 "runner_setup = \"db $1\"\n"          // 14
                 "[env]\n"                             // 15
                 "A = \"1\"\n"                         // 16
                 "[ssh]\n"                             // 17
                 "known_hosts = \"/kh\"\n"             // 18
                 "host_key_policy = \"accept-new\"\n"  // 19
                 "remote_root = \"/srv/dt\"\n"         // 20
                 "[sync]\n"                            // 21
                 "exclude = [\"tmp/\"]\n"               // 22
                 "[artifacts]\n"                       // 23
                 "paths = [\"coverage/**\"]\n"),       // 24
            "");
  EXPECT_EQ(config.framework.value, "command");
  EXPECT_EQ(config.command.value, "sh {file}");
  EXPECT_EQ(config.runners.value, 3);
  EXPECT_EQ(config.files.value, (std::vector<std::string>{"t/*.sh", "u/*.sh"}));
  EXPECT_EQ(config.exclude.value, (std::vector<std::string>{"t/slow.sh"}));
  EXPECT_EQ(config.timeout.value, 2.5);
  EXPECT_EQ(config.fail_fast.value, 1);
  EXPECT_EQ(config.max_attempts.value, 3);
  EXPECT_EQ(config.timings_file.value, "tm");
  EXPECT_EQ(config.log_dir.value, "/var/log/dt");
  EXPECT_EQ(config.color.value, "never");
  EXPECT_EQ(config.node_setup.value, "make");
  EXPECT_EQ(config.runner_setup.value, "db $1");
  EXPECT_EQ(config.env.value, (std::map<std::string, std::string>{{"A", "1"}}));
  EXPECT_EQ(config.known_hosts.value, "/kh");
  EXPECT_EQ(config.host_key_policy.value, "accept-new");
  EXPECT_EQ(config.remote_root.value, "/srv/dt");
  EXPECT_EQ(config.sync_exclude.value, (std::vector<std::string>{"tmp/"}));

  EXPECT_EQ(config.framework.origin.describe(), path + ":1");
  EXPECT_EQ(config.runners.origin.describe(), path + ":3");
  EXPECT_EQ(config.color.origin.describe(), path + ":11");
  EXPECT_EQ(config.runner_setup.origin.describe(), path + ":14");
  EXPECT_EQ(config.env.origin.describe(), path + ":15");
  EXPECT_EQ(config.remote_root.origin.describe(), path + ":20");
  EXPECT_EQ(config.sync_exclude.origin.describe(), path + ":22");
  EXPECT_EQ(config.artifacts.value, (std::vector<std::string>{"coverage/**"}));
  EXPECT_EQ(config.artifacts.origin.describe(), path + ":24");
  EXPECT_EQ(config.max_attempts.origin.file, path);
  EXPECT_EQ(config.max_attempts.origin.line, 8);
}

TEST_F(ConfigFileTest, SessionPerFileTakesGlobs) {
  EXPECT_TRUE(config.session_per_file.value.empty());
  ASSERT_EQ(load("\nsession_per_file = [\"spec/legacy/**\", \"t/x.py\"]\n"), "");
  EXPECT_EQ(config.session_per_file.value,
            (std::vector<std::string>{"spec/legacy/**", "t/x.py"}));
  EXPECT_EQ(config.session_per_file.origin.describe(), path + ":2");
  EXPECT_NE(load("session_per_file = \"spec/**\"\n"), "");
}

TEST_F(ConfigFileTest, HookAndTeardownTimeoutsHaveDefaultsAndTheirLines) {
  EXPECT_EQ(config.hook_timeout.value, 1800.0);
  EXPECT_EQ(config.teardown_timeout.value, 120.0);
  ASSERT_EQ(load("teardown_timeout = 300\n[hooks]\ntimeout = 2.5\n"), "");
  EXPECT_EQ(config.teardown_timeout.value, 300.0);
  EXPECT_EQ(config.teardown_timeout.origin.describe(), path + ":1");
  EXPECT_EQ(config.hook_timeout.value, 2.5);
  EXPECT_EQ(config.hook_timeout.origin.describe(), path + ":3");
  EXPECT_NE(load("[hooks]\ntimeout = -1\n"), "");
}

TEST_F(ConfigFileTest, UnsetKeysKeepTheirValueAndOrigin) {
  ASSERT_EQ(load("\n\nrunners = \"auto\"\ntimeout = 30\n"), "");
  EXPECT_EQ(config.runners.value, 0);
  EXPECT_EQ(config.runners.origin.describe(), path + ":3");
  EXPECT_EQ(config.timeout.value, 30.0);
  EXPECT_EQ(config.framework.value, "auto");
  EXPECT_EQ(config.framework.origin.describe(), "default");
}

TEST_F(ConfigFileTest, DottedKeysAndInlineTablesWork) {
  ASSERT_EQ(
      load("hooks.node_setup = \"make\"\nnode = [{host = \"a\"}, {host = \"b\", port = 2}]\n"), "");
  EXPECT_EQ(config.node_setup.value, "make");
  ASSERT_EQ(config.nodes.size(), 2u);
  EXPECT_EQ(config.nodes[1].port, 2);
}

TEST_F(ConfigFileTest, ReadsNodes) {
  ASSERT_EQ(load("runners = 2\n"             // 1
                 "\n"                        // 2
                 "[[node]]\n"                // 3
                 "host = \"a.example\"\n"    // 4
                 "\n"                        // 5
                 "[[node]]\n"                // 6
                 "host = \"b.example\"\n"    // 7
                 "name = \"b\"\n"            // 8
                 "port = 2222\n"             // 9
                 "user = \"ci\"\n"           // 10
                 "identity = \"/k/id\"\n"    // 11
                 "runners = 8\n"             // 12
                 "remote_root = \"/srv\"\n"  // 13
                 "env = { X = \"1\" }\n"    // 14
                 "proxy_command = \"nc %h %p\"\n"),  // 15
            "");
  ASSERT_EQ(config.nodes.size(), 2u);
  const NodeConfig& a = config.nodes[0];
  EXPECT_EQ(a.name, "a.example");  // the name defaults to the host
  EXPECT_EQ(a.host, "a.example");
  EXPECT_EQ(a.port, 22);
  EXPECT_EQ(a.user, "");
  EXPECT_EQ(a.runners, 0);
  EXPECT_EQ(a.origin.describe(), path + ":3");
  const NodeConfig& b = config.nodes[1];
  EXPECT_EQ(b.name, "b");
  EXPECT_EQ(b.host, "b.example");
  EXPECT_EQ(b.port, 2222);
  EXPECT_EQ(b.user, "ci");
  EXPECT_EQ(b.identity, "/k/id");
  EXPECT_EQ(b.runners, 8);
  EXPECT_EQ(b.remote_root, "/srv");
  EXPECT_EQ(b.env, (std::map<std::string, std::string>{{"X", "1"}}));
  EXPECT_EQ(b.proxy_command, "nc %h %p");
  EXPECT_TRUE(b.keys_given.count("proxy_command"));
  EXPECT_EQ(b.origin.describe(), path + ":6");
}

// A remote node may be someone's workstation; this box is the user's own.
TEST_F(ConfigFileTest, NodePrioritiesDefaultByHostAndMayBeSet) {
  ASSERT_EQ(load("runners = \"idle\"\n"
                 "[[node]]\nhost = \"a\"\n"
                 "[[node]]\nhost = \"local\"\n"
                 "[[node]]\nhost = \"c\"\nnice = 0\nionice = \"none\"\nrunners = \"idle\"\n"
                 "[[node]]\nname = \"here\"\nhost = \"local\"\nnice = 5\nionice = \"idle\"\n"),
            "");
  EXPECT_EQ(config.runners.value, kRunnersIdle);
  ASSERT_EQ(config.nodes.size(), 4u);
  EXPECT_EQ(config.nodes[0].nice, 10);
  EXPECT_EQ(config.nodes[0].ionice, "idle");
  EXPECT_EQ(config.nodes[0].runners, kRunnersAuto);
  EXPECT_EQ(config.nodes[1].nice, 0);
  EXPECT_EQ(config.nodes[1].ionice, "none");
  EXPECT_EQ(config.nodes[2].nice, 0);
  EXPECT_EQ(config.nodes[2].ionice, "none");
  EXPECT_EQ(config.nodes[2].runners, kRunnersIdle);
  EXPECT_EQ(config.nodes[3].nice, 5);
  EXPECT_EQ(config.nodes[3].ionice, "idle");
}

TEST_F(ConfigFileTest, LaterFileOverridesAndMergesEnv) {
  ASSERT_EQ(load("runners = 2\ntimeout = 5\n[env]\nA = \"1\"\nB = \"1\"\n", "first.toml"), "");
  std::string first = path;
  ASSERT_EQ(load("\ntimeout = 7\n[env]\nB = \"2\"\nC = \"2\"\n", "second.toml"), "");
  EXPECT_EQ(config.runners.value, 2);
  EXPECT_EQ(config.runners.origin.describe(), first + ":1");
  EXPECT_EQ(config.timeout.value, 7.0);
  EXPECT_EQ(config.timeout.origin.describe(), path + ":2");
  EXPECT_EQ(config.env.value,
            (std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}, {"C", "2"}}));
  EXPECT_EQ(config.env.origin.describe(), path + ":3");
}

TEST_F(ConfigFileTest, ALayerWithNodesReplacesTheNodeList) {
  ASSERT_EQ(load("[[node]]\nhost = \"a\"\n[[node]]\nhost = \"b\"\n", "first.toml"), "");
  ASSERT_EQ(load("runners = 1\n", "second.toml"), "");
  ASSERT_EQ(config.nodes.size(), 2u);  // a layer without nodes keeps the earlier list
  ASSERT_EQ(load("[[node]]\nhost = \"c\"\n", "third.toml"), "");
  ASSERT_EQ(config.nodes.size(), 1u);
  EXPECT_EQ(config.nodes[0].host, "c");
  ASSERT_EQ(load("node = []\n", "fourth.toml"), "");
  EXPECT_TRUE(config.nodes.empty());
}

TEST_F(ConfigFileTest, OnlyThisMachineMayBeNamedLocal) {
  ASSERT_EQ(load("[[node]]\nhost = \"local\"\n[[node]]\nhost = \"local\"\nname = \"me\"\n"), "");
  ASSERT_EQ(config.nodes.size(), 2u);
  EXPECT_EQ(config.nodes[0].name, "local");
  EXPECT_NE(load("[[node]]\nhost = \"box.example\"\nname = \"local\"\n"), "");
}

TEST_F(ConfigFileTest, AFileWithAnErrorChangesNothing) {
  ASSERT_EQ(load("runners = 4\n"), "");
  std::string first = path;
  ASSERT_NE(load("runners = 6\nframework = \"rspec\"\ncolor = \"plaid\"\n", "bad.toml"), "");
  EXPECT_EQ(config.runners.value, 4);
  EXPECT_EQ(config.runners.origin.describe(), first + ":1");
  EXPECT_EQ(config.framework.value, "auto");
}

TEST_F(ConfigFileTest, MissingOptionalFileIsNotAnError) {
  EXPECT_FALSE(load_config_file(dir / "absent.toml", /*optional=*/true, config));
  EXPECT_FALSE(load_config_file(dir / "absent/deeper.toml", /*optional=*/true, config));
  EXPECT_EQ(config.runners.origin.describe(), "default");
}

TEST_F(ConfigFileTest, MissingRequiredFileIsAnError) {
  auto error = load_config_file(dir / "absent.toml", /*optional=*/false, config);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message,
            dir / "absent.toml: cannot read config file: No such file or directory");
}

TEST_F(ConfigFileTest, AnUnreadableOptionalFileIsStillAnError) {
  auto error = load_config_file(dir.path(), /*optional=*/true, config);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, dir.path() + ": cannot read config file: Is a directory");
}

TEST_F(ConfigFileTest, TheFirstMistakeInTheFileIsReported) {
  // toml++ keeps keys sorted by name; the report must follow the file instead.
  std::string error = load("timeout = \"x\"\nframework = \"bad\"\n");
  EXPECT_EQ(error, path + ":1: 'timeout' must be a number of seconds (got string \"x\")");
}

// One bad file per case: its content and the message after "<path>". "{path}" in the message
// stands for the file's path too.
struct BadFile {
  std::string content;
  std::string message;
};

class ConfigErrorTest : public ConfigFileTest, public ::testing::WithParamInterface<BadFile> {};

TEST_P(ConfigErrorTest, ReportsTheExactMessage) {
  std::string expected = GetParam().message;
  std::string error = load(GetParam().content);
  for (std::size_t at; (at = expected.find("{path}")) != std::string::npos;) {
    expected.replace(at, 6, path);
  }
  EXPECT_EQ(error, path + expected);
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, ConfigErrorTest,
    ::testing::Values(
        BadFile{"timeout = \nb = 1\n",
                ":1:11: Error while parsing key-value pair: expected value, saw '\\n'"},
        BadFile{"runners = 1\nrunners = 2\n",
                ":2:11: Error while parsing key-value pair: cannot redefine existing integer "
                "'runners'"}));

INSTANTIATE_TEST_SUITE_P(
    UnknownKeys, ConfigErrorTest,
    ::testing::Values(
        BadFile{"runerrs = 4\n", ":1: unknown key 'runerrs' (did you mean 'runners'?)"},
        BadFile{"\n\nzzzzzz = 1\n", ":3: unknown key 'zzzzzz'"},
        BadFile{"Framework = \"rspec\"\n",
                ":1: unknown key 'Framework' (did you mean 'framework'?)"},
        BadFile{"[hoks]\nnode_setup = \"x\"\n", ":1: unknown table 'hoks' (did you mean 'hooks'?)"},
        BadFile{"[hooks]\nnode_setp = \"x\"\n",
                ":2: unknown key 'hooks.node_setp' (did you mean 'node_setup'?)"},
        BadFile{"[ssh]\nhost_key_polcy = \"strict\"\n",
                ":2: unknown key 'ssh.host_key_polcy' (did you mean 'host_key_policy'?)"},
        BadFile{"[sync.extra]\na = 1\n", ":1: unknown table 'sync.extra'"},
        BadFile{"[[nodes]]\nhost = \"a\"\n", ":1: unknown table 'nodes' (did you mean 'node'?)"},
        BadFile{"[[node]]\nhots = \"a\"\n",
                ":2: unknown key 'node[1].hots' (did you mean 'host'?)"}));

INSTANTIATE_TEST_SUITE_P(
    WrongValues, ConfigErrorTest,
    ::testing::Values(
        BadFile{"timeout = \"abc\"\n",
                ":1: 'timeout' must be a number of seconds (got string \"abc\")"},
        BadFile{"timeout = -1\n", ":1: 'timeout' must be a number of seconds (got -1)"},
        BadFile{"timeout = inf\n", ":1: 'timeout' must be a number of seconds (got inf)"},
        BadFile{"timeout = 1e10\n",
                ":1: 'timeout' must be at most 1000000 seconds (11.5 days) (got 10000000000.0)"},
        BadFile{"runners = 0\n",
                ":1: 'runners' must be a positive integer, \"auto\" or \"idle\" (got 0)"},
        BadFile{"runners = \"many\"\n",
                ":1: 'runners' must be a positive integer, \"auto\" or \"idle\" (got \"many\")"},
        BadFile{"runners = 2.0\n",
                ":1: 'runners' must be a positive integer, \"auto\" or \"idle\" (got float 2.0)"},
        BadFile{"runners = 3000000000\n",
                ":1: 'runners' must be a positive integer, \"auto\" or \"idle\" (got 3000000000)"},
        BadFile{"framework = \"rpsec\"\n",
                ":1: 'framework' must be one of auto, rspec, minitest, pytest, command "
                "(got \"rpsec\")"},
        BadFile{"color = \"yes\"\n",
                ":1: 'color' must be one of auto, always, never (got \"yes\")"},
        BadFile{"[ssh]\nhost_key_policy = \"no\"\n",
                ":2: 'ssh.host_key_policy' must be one of strict, accept-new (got \"no\")"},
        BadFile{"fail_fast = -1\n", ":1: 'fail_fast' must be an integer >= 0 (got -1)"},
        BadFile{"max_attempts = 0\n", ":1: 'max_attempts' must be an integer >= 1 (got 0)"},
        BadFile{"max_attempts = true\n",
                ":1: 'max_attempts' must be an integer >= 1 (got boolean true)"},
        BadFile{"files = \"spec\"\n",
                ":1: 'files' must be an array of strings (got string \"spec\")"},
        BadFile{"files = [\n  \"a\",\n  2,\n]\n",
                ":3: 'files[2]' must be a string (got integer 2)"},
        BadFile{"exclude = { a = 1 }\n", ":1: 'exclude' must be an array of strings (got table)"},
        BadFile{"command = \"sh run\"\n",
                ":1: 'command' must be a command containing {file} (got \"sh run\")"},
        BadFile{"log_dir = 3\n", ":1: 'log_dir' must be a string (got integer 3)"},
        BadFile{"timings_file = 1979-05-27\n",
                ":1: 'timings_file' must be a string (got date 1979-05-27)"},
        BadFile{"hooks = \"x\"\n", ":1: 'hooks' must be a table (got string \"x\")"},
        BadFile{"hooks.node_setup = 1\n",
                ":1: 'hooks.node_setup' must be a string (got integer 1)"},
        BadFile{"[env]\nFOO = 1\n", ":2: 'env.FOO' must be a string (got integer 1)"},
        BadFile{"[env]\n\"A=B\" = \"x\"\n",
                ":2: 'env.\"A=B\"' is not a valid environment variable name"},
        BadFile{"env = [\"A=1\"]\n", ":1: 'env' must be a table of strings (got array)"},
        BadFile{"[sync]\nexclude = [1]\n",
                ":2: 'sync.exclude[1]' must be a string (got integer 1)"},
        BadFile{"[artifacts]\npaths = \"coverage\"\n",
                ":2: 'artifacts.paths' must be an array of strings (got string \"coverage\")"},
        BadFile{"[artifacts]\npaths = [\n  \"log/*\",\n  \"/tmp/x\",\n]\n",
                ":4: 'artifacts.paths[2]' is \"/tmp/x\": it must be a glob relative to the "
                "project, inside it (like \"coverage/**\")"},
        BadFile{"[artifacts]\npaths = [\"a/../../b\"]\n",
                ":2: 'artifacts.paths[1]' is \"a/../../b\": it must be a glob relative to the "
                "project, inside it (like \"coverage/**\")"}));

INSTANTIATE_TEST_SUITE_P(
    Nodes, ConfigErrorTest,
    ::testing::Values(
        BadFile{"[[node]]\nname = \"n1\"\n", ":1: node[1] has no 'host'"},
        BadFile{"[[node]]\nhost = \"a\"\n\n[[node]]\nport = 22\n", ":4: node[2] has no 'host'"},
        BadFile{"[[node]]\nhost = \"a\"\nname = \"n1\"\n[[node]]\nhost = \"b\"\nname = \"n1\"\n",
                ":4: duplicate node 'n1' (first at {path}:1)"},
        BadFile{"[[node]]\nhost = \"a\"\n[[node]]\nhost = \"a\"\n",
                ":3: duplicate node 'a' (first at {path}:1)"},
        // Found in review: processes of a node named "local" run on this box, so a remote host
        // under that name had its target --delete'd by an rsync whose marker check ran here.
        BadFile{"[[node]]\nhost = \"10.0.0.5\"\n\nname = \"local\"\n",
                ":4: 'node[1].name' is \"local\", the name of this machine, but the node's host "
                "is \"10.0.0.5\"; give it another name (host = \"local\" is how to run here)"},
        BadFile{"[[node]]\nhost = \"a\"\npassword = \"hunter2\"\n",
                ":3: 'node[1].password': passwords are not supported; use a key file "
                "('identity') or ssh-agent"},
        BadFile{"[[node]]\nhost = \"a\"\nport = 70000\n",
                ":3: 'node[1].port' must be an integer from 1 to 65535 (got 70000)"},
        BadFile{"[[node]]\nhost = \"\"\n",
                ":2: 'node[1].host' must be a non-empty string (got \"\")"},
        BadFile{"[[node]]\nhost = \"a\"\nruners = 2\n",
                ":3: unknown key 'node[1].runers' (did you mean 'runners'?)"},
        BadFile{"[[node]]\nhost = \"a\"\nrunners = 0\n",
                ":3: 'node[1].runners' must be a positive integer, \"auto\" or \"idle\" (got 0)"},
        BadFile{"[[node]]\nhost = \"a\"\nnice = 20\n",
                ":3: 'node[1].nice' must be an integer from 0 to 19 (got 20)"},
        BadFile{"[[node]]\nhost = \"a\"\n\nnice = \"low\"\n",
                ":4: 'node[1].nice' must be an integer from 0 to 19 (got string \"low\")"},
        BadFile{"[[node]]\nhost = \"a\"\nionice = \"best-effort\"\n",
                ":3: 'node[1].ionice' must be one of idle, none (got \"best-effort\")"},
        BadFile{"[[node]]\nhost = \"a\"\nproxy_jump = \"j\"\n\nproxy_command = \"nc %h %p\"\n",
                ":5: 'node[1]' has both 'proxy_jump' and 'proxy_command'; give one"},
        BadFile{"[[node]]\nhost = \"a\"\nproxy_command = \"\"\n",
                ":3: 'node[1].proxy_command' must be a non-empty string (got \"\")"},
        BadFile{"[[node]]\nhost = \"a\"\nenv = { X = 1 }\n",
                ":3: 'node[1].env.X' must be a string (got integer 1)"},
        BadFile{"node = \"x\"\n",
                ":1: 'node' must be an array of tables ([[node]]) (got string \"x\")"},
        BadFile{"node = [1]\n", ":1: 'node[1]' must be a table (got integer 1)"}));

TEST(ClosestMatchTest, SuggestsOnlyLikelyTypos) {
  using config_detail::closest_match;
  std::vector<std::string_view> keys = {"runners", "files", "exclude", "timeout"};
  EXPECT_EQ(closest_match("runerrs", keys), "runners");
  EXPECT_EQ(closest_match("file", keys), "files");
  EXPECT_EQ(closest_match("timeouts", keys), "timeout");
  EXPECT_EQ(closest_match("colour", keys), std::nullopt);
  EXPECT_EQ(closest_match("", keys), std::nullopt);
  EXPECT_EQ(config_detail::edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(config_detail::edit_distance("", "abc"), 3u);
}

TEST(QuoteTest, EscapesLikeToml) {
  EXPECT_EQ(config_detail::quote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
  EXPECT_EQ(config_detail::quote_key("RAILS_ENV"), "RAILS_ENV");
  EXPECT_EQ(config_detail::quote_key("A B"), "\"A B\"");
  EXPECT_EQ(config_detail::quote_key(""), "\"\"");
  EXPECT_EQ(config_detail::format_number(30), "30");
  EXPECT_EQ(config_detail::format_number(0.25), "0.25");
}

}  // namespace
}  // namespace dt
