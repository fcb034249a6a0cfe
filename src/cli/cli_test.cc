#include "cli/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runner/adapter.h"

namespace dt {
namespace {

// parse_cli over a copy of `args` (argv[0] included).
std::optional<int> parse(std::vector<std::string> args, CliOptions& o) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return parse_cli(static_cast<int>(argv.size()), argv.data(), o);
}

TEST(CliTest, ArgumentsAfterDoubleDashGoToTheFramework) {
  CliOptions o;
  EXPECT_EQ(parse({"distributest", "-n", "2", "spec/a_spec.rb", "--", "--tag", "~slow", "--",
                   "spec/x"},
                  o),
            std::nullopt);
  EXPECT_EQ(o.files, (std::vector<std::string>{"spec/a_spec.rb"}));
  ASSERT_TRUE(o.framework_args);
  // Only the first -- splits: what follows is the framework's, even another --.
  EXPECT_EQ(*o.framework_args, (std::vector<std::string>{"--tag", "~slow", "--", "spec/x"}));
}

TEST(CliTest, NoDoubleDashLeavesTheSettingAlone) {
  CliOptions o;
  EXPECT_EQ(parse({"distributest", "tests"}, o), std::nullopt);
  EXPECT_FALSE(o.framework_args);
  CliOptions bare;
  EXPECT_EQ(parse({"distributest", "--"}, bare), std::nullopt);
  ASSERT_TRUE(bare.framework_args) << "a bare -- clears the args setting";
  EXPECT_TRUE(bare.framework_args->empty());
}

TEST(CliTest, SubcommandsRefuseFrameworkArguments) {
  CliOptions o;
  EXPECT_EQ(parse({"distributest", "doctor", "--", "-x"}, o), kExitUsage);
}

TEST(CliTest, FailFastNeedsAPositiveCount) {
  CliOptions o;
  EXPECT_EQ(parse({"distributest", "--fail-fast=0"}, o), kExitUsage);
  CliOptions ok;
  EXPECT_EQ(parse({"distributest", "--fail-fast=3"}, ok), std::nullopt);
  EXPECT_EQ(ok.fail_fast, 3);
  CliOptions bare;
  EXPECT_EQ(parse({"distributest", "--fail-fast"}, bare), std::nullopt);
  EXPECT_EQ(bare.fail_fast, 1);
}

TEST(CliTest, TimeoutHasAnUpperBound) {
  CliOptions o;
  EXPECT_EQ(parse({"distributest", "--timeout", "1e10"}, o), kExitUsage);
}

TEST(AdapterArgvTest, FrameworkArgumentsFollowTheAdapter) {
  EXPECT_EQ(adapter_argv("pytest", "", "/r", {"-m", "not slow"}),
            (std::vector<std::string>{"/r/pytest", "-m", "not slow"}));
  EXPECT_EQ(adapter_argv("command", "sh {file}", "/r", {}),
            (std::vector<std::string>{"/r/command", "sh {file}"}));
}

}  // namespace
}  // namespace dt
