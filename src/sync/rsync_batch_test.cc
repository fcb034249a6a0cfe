#include "sync/rsync_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "sync/sync.h"
#include "transport/remote_command.h"

namespace dt {
namespace {

// The replay's command is parsed by the node's shell: names from the project (excludes, the
// paths git ignores) must stay data there.
TEST(RsyncBatchTest, TheReplayCommandQuotesEveryRuleAndInlinesTheGitRules) {
  std::optional<std::string> command =
      read_batch_command({"it's a dir/"}, "- /build $(touch x)/\n- /a b\n");
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(command->rfind("'rsync' '--read-batch=-' ", 0), 0u) << *command;
  EXPECT_NE(command->find("'--exclude=it'\\''s a dir/'"), std::string::npos) << *command;
  EXPECT_NE(command->find("'--filter=- /build $(touch x)/' '--filter=- /a b'"), std::string::npos)
      << *command;
  EXPECT_EQ(command->find("--filter=merge"), std::string::npos) << "the master's rules file: " << *command;
  EXPECT_NE(command->find("'--filter=dir-merge,-rp .gitignore'"), std::string::npos) << *command;
  EXPECT_EQ(command->substr(command->size() - 5), " './'") << *command;
}

TEST(RsyncBatchTest, OutsideGitTheReplayHasEveryRuleOfTheRsyncThatWroteTheBatch) {
  std::optional<std::string> command = read_batch_command({"tmp/"}, "");
  ASSERT_TRUE(command.has_value());
  std::string rules;
  for (const std::string& word : rsync_rule_args({"tmp/"}, "")) rules += " " + shell_quote(word);
  EXPECT_NE(command->find(rules + " './'"), std::string::npos) << *command;
  EXPECT_NE(command->find("'--filter=:- .gitignore'"), std::string::npos) << *command;
}

TEST(RsyncBatchTest, RulesTooLongForACommandLineMeanNoBatch) {
  std::string rules;
  for (int i = 0; i < 20000; ++i) rules += "- /ignored/file_" + std::to_string(i) + "\n";
  EXPECT_FALSE(read_batch_command({}, rules).has_value());
}

TEST(RsyncBatchTest, ACopyThatDoesNotFitIsToldByRsyncsOwnWords) {
  EXPECT_TRUE(batch_does_not_fit("(No batched update for \"t/3.sh\")"));
  EXPECT_FALSE(batch_does_not_fit("(Skipping batched update for \"t/2.sh\")"));
}

TEST(RsyncBatchTest, SyncIdsAreSixteenHexDigitsAndDiffer) {
  std::string a = new_sync_id(), b = new_sync_id();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace dt
