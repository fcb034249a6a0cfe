// The engine around the files: hooks that hang, a run whose work is done before a node is
// ready, a runner's orderly end, runners lost one at a time, and queued files nobody can take.
#include <gtest/gtest.h>

#include <algorithm>

#include "schedule/engine.h"
#include "schedule/engine_test_support.h"

namespace dt {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Found in review: a node_setup that hangs hung the run.
TEST_F(EngineTest, ANodeSetupThatHangsTimesOutAndLeavesOnlyItsNodeOut) {
  add("a", 1);
  add("b", 1);
  options.node_setup = {"sh", "-c", "sleep 1000000"};
  options.hook_timeout_seconds = 30;
  nodes.push_back(NodeSlot{"b", "b.example", "", {}});
  runners.push_back(RunnerSlot{"box_local_1", 1, "local", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_b_1", 2, "b", {}, {"fake-runner"}});
  transport.hook_seconds["b/node_setup"] = 1e9;
  transport.files["a"].seconds = 40;  // the work outlasts the hook timeout
  RunResult r = run();
  EXPECT_EQ(r.summary.not_run, 0);
  EXPECT_TRUE(contains(transport.terminated, "b/node_setup"));
  ASSERT_EQ(r.nodes.size(), 2u);
  EXPECT_EQ(r.nodes[1].status, "failed: node_setup timed out after 30s");
  EXPECT_TRUE(status.has_event("node b: node_setup timed out after 30s"));
  EXPECT_NE(r.runners[1].status.find("node_setup failed"), std::string::npos) << r.runners[1].status;
  EXPECT_FALSE(contains(transport.started, "box_b_1"));
}

TEST_F(EngineTest, ARunnerSetupThatHangsTimesOutAndLeavesThatRunnerOut) {
  add("a", 10);  // still running when the hook times out
  options.runner_setup = {"setup-db"};
  options.hook_timeout_seconds = 5;
  make_runners(2);
  transport.hook_seconds["box_local_2/runner_setup"] = 1e9;
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed);
  EXPECT_TRUE(contains(transport.terminated, "box_local_2/runner_setup"));
  EXPECT_TRUE(r.runners[1].status.starts_with("runner_setup timed out after 5s"))
      << r.runners[1].status;
}

// Found in review: every file passed on n1 in 0.04 s, and the run took 40 s waiting for n2's
// node_setup.
TEST_F(EngineTest, TheRunEndsWhenEveryFileRanWhileANodeIsStillSettingUp) {
  add("a", 1);
  options.node_setup = {"bundle", "install"};
  nodes.push_back(NodeSlot{"slow", "slow.example", "", {}});
  runners.push_back(RunnerSlot{"box_local_1", 1, "local", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_slow_1", 2, "slow", {}, {"fake-runner"}});
  transport.hook_seconds["slow/node_setup"] = 40;
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed);
  EXPECT_LT(r.summary.wall_seconds, 2) << "waited for the slow node's node_setup";
  EXPECT_TRUE(contains(transport.terminated, "slow/node_setup"));
  EXPECT_TRUE(r.nodes[1].status.starts_with("not used")) << r.nodes[1].status;
  EXPECT_TRUE(r.runners[1].status.starts_with("not used")) << r.runners[1].status;
  EXPECT_FALSE(status.has_event("left out")) << "an unused node is no failure";
}

TEST_F(EngineTest, NodeSetupKnowsWhichNodeItRunsOn) {
  add("a", 1);
  options.node_setup = {"sh", "-c", "echo $DISTRIBUTEST_NODE"};
  make_runners(1);
  run();
  EXPECT_NE(transport.env_of["local/node_setup"].find("DISTRIBUTEST_NODE=local;"),
            std::string::npos)
      << transport.env_of["local/node_setup"];
}

// Found in review: remote runners were SIGKILLed 1 s after their stdin closed, cutting their
// after(:suite), at_exit and coverage writers short. Now "no more work" is an empty line and
// stdin stays open: the runner exits by itself.
TEST_F(EngineTest, ARunnerIsToldThereIsNoMoreWorkAndGivenItsTeardownTime) {
  add("a", 1);
  make_runners(1);
  transport.teardown_seconds = 30;
  options.teardown_timeout_seconds = 120;
  RunResult r = run();
  EXPECT_EQ(transport.told_no_more_work, (std::vector<std::string>{"box_local_1"}));
  EXPECT_TRUE(transport.terminated.empty()) << "its teardown was cut short";
  EXPECT_NEAR(r.summary.wall_seconds, 31.5, 0.1);
  EXPECT_FALSE(status.has_event("after its last file"));
  // The reports show where the time went: 30 s of teardown after the file.
  ASSERT_EQ(r.runners[0].teardowns.size(), 1u);
  EXPECT_NEAR(r.runners[0].teardowns[0].started_seconds, 1.5, 1e-9);
  EXPECT_NEAR(r.runners[0].teardowns[0].duration_seconds, 30, 1e-9);
}

TEST_F(EngineTest, ATeardownThatHangsIsEndedAfterTheTeardownTimeoutWithItsOutput) {
  add("a", 1);
  make_runners(1);
  transport.teardown_seconds = 1e6;
  transport.teardown_output = "SimpleCov: writing coverage...\n";
  options.teardown_timeout_seconds = 20;
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed) << "the teardown is not the file's";
  EXPECT_EQ(transport.terminated, (std::vector<std::string>{"box_local_1"}));
  EXPECT_TRUE(status.has_event("did not exit within 20s after its last file"));
  EXPECT_TRUE(status.has_event("SimpleCov: writing coverage..."));
  EXPECT_NEAR(r.summary.wall_seconds, 21.5, 0.1);
}

TEST_F(EngineTest, AFailedTeardownIsReportedAsTheRunnersWithItsOutput) {
  add("a", 1);
  make_runners(1);
  transport.teardown_exit = 3;
  transport.teardown_output = "after(:suite) raised RuntimeError\n";
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed);
  EXPECT_TRUE(status.has_event("runner box_local_1 exited with status 3 after its last file"));
  EXPECT_TRUE(status.has_event("after(:suite) raised RuntimeError"));
}

// Found in review: a node with a second connection lost only one of them; every runner of the
// node was marked lost, the survivors finished their file and sat idle, and the run hung.
TEST_F(EngineTest, ARunnerLostAloneEndsItsNodesOtherRunnersAndTheRunEnds) {
  add("x", 2);
  add("y", 3);
  add("z", 1);
  transport.files["x"].crashes = 1;
  transport.files["x"].loses_own_connection = true;
  nodes.insert(nodes.begin(), NodeSlot{"b", "b.example", "", {}});
  runners.push_back(RunnerSlot{"box_b_1", 1, "b", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_b_2", 2, "b", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_local_1", 3, "local", {}, {"fake-runner"}});
  RunResult r = run();
  EXPECT_EQ(r.summary.not_run, 0);
  EXPECT_EQ(result_of(r, "x").status, FileStatus::kPassed);
  EXPECT_EQ(result_of(r, "x").runner, "box_local_1");
  EXPECT_EQ(result_of(r, "y").status, FileStatus::kPassed) << "the survivor's file counts";
  EXPECT_EQ(result_of(r, "y").runner, "box_b_2");
}

TEST_F(EngineTest, QueuedFilesThatNoRunnerCanTakeEndTheRunAsNotRunAndSayWhy) {
  add("x", 2);
  add("y", 1);
  transport.files["x"].crashes = 1;
  transport.files["x"].loses_own_connection = true;
  nodes = {NodeSlot{"b", "b.example", "", {}}};
  runners.push_back(RunnerSlot{"box_b_1", 1, "b", {}, {"fake-runner"}});
  RunResult r = run();
  EXPECT_EQ(r.summary.not_run, 2);
  const FileResult& x = result_of(r, "x");
  EXPECT_EQ(x.status, FileStatus::kNotRun);
  EXPECT_NE(x.error().find("no runner was left to run it"), std::string::npos) << x.error();
  EXPECT_NE(x.error().find("its node was lost"), std::string::npos) << x.error();
  EXPECT_TRUE(status.has_event("2 file(s) queued and no runner was left to run it"));
}

// Found in review: 60 passing files printing 1.1 MB each kept 71 MB in the master.
TEST_F(EngineTest, OutputIsKeptOnlyForFilesThatDidNotPassAndBoundedInAll) {
  add("loud_pass", 1);
  add("loud_fail", 1, "failed");
  add("loud_fail_2", 1, "failed");
  transport.files["loud_pass"].output = std::string(1000, 'p') + "\n";
  transport.files["loud_fail"].output = std::string(1000, 'f') + "\n";
  transport.files["loud_fail_2"].output = std::string(100000, 'g') + "\nthe end\n";
  options.max_kept_output_bytes = 50000;
  make_runners(1);
  RunResult r = run();
  EXPECT_EQ(result_of(r, "loud_pass").output(), "");
  EXPECT_EQ(result_of(r, "loud_fail").output(), std::string(1000, 'f') + "\n");
  const std::string& tail = result_of(r, "loud_fail_2").output();
  EXPECT_LT(tail.size(), 20000u) << "over the budget, only a tail is kept";
  EXPECT_TRUE(tail.ends_with("the end\n"));
  EXPECT_NE(status.outputs["box_local_1"].find(std::string(1000, 'p')), std::string::npos)
      << "the run log still gets everything";
}

// session_per_file: such a file runs in a process that has run nothing else, and nothing runs
// after it in that process; the other files share their runner's one session.
TEST_F(EngineTest, AFileWithASessionOfItsOwnGetsAFreshProcessThatEndsAfterIt) {
  add("a", 3);
  add("legacy", 2);
  add("b", 1);
  add("c", 1);
  planned[1].fresh_session = true;
  make_runners(1);
  RunResult r = run();
  EXPECT_EQ(r.summary.not_run, 0);
  for (const FileResult& f : r.files) EXPECT_EQ(f.status, FileStatus::kPassed) << f.path;
  // One runner: a in the first process; legacy alone in a second; b and c in a third.
  EXPECT_EQ(std::count(transport.started.begin(), transport.started.end(), "box_local_1"), 3);
  EXPECT_EQ(transport.told_no_more_work.size(), 3u) << "each process ends in order";
  std::vector<std::string> order;
  for (const auto& d : transport.dispatched) order.push_back(d.path);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "legacy", "b", "c"}));
}

TEST_F(EngineTest, OnlyAsManyRunnersMakeWayForFreshProcessesAsThereAreSuchFiles) {
  add("a", 1);
  add("b", 1);
  add("c", 1);
  add("d", 1);
  add("legacy", 1);
  planned[4].fresh_session = true;
  make_runners(3);
  RunResult r = run();
  EXPECT_EQ(r.summary.not_run, 0);
  // 3 first processes, and one more for legacy: not one per idle runner.
  EXPECT_EQ(transport.started.size(), 4u);
}

TEST_F(EngineTest, EveryFileInItsOwnSessionWithTheWholeSuiteMarked) {
  add("a", 1);
  add("b", 1);
  add("c", 1);
  for (PlannedFile& f : planned) f.fresh_session = true;
  make_runners(2);
  RunResult r = run();
  EXPECT_EQ(r.summary.not_run, 0);
  EXPECT_EQ(transport.started.size(), 3u);
  for (const RunnerResult& runner : r.runners) EXPECT_EQ(runner.status, "ok");
}

}  // namespace
}  // namespace dt
