#include "schedule/engine.h"

#include <gtest/gtest.h>

#include "schedule/engine_test_support.h"

namespace dt {
namespace {

TEST_F(EngineTest, DispatchesInPlanOrderAndEveryRunnerPullsWhenFree) {
  add("a", 5);
  add("b", 4);
  add("c", 3);
  add("d", 2);
  add("e", 2);
  make_runners(2);
  RunResult r = run();
  // a→runner1, b→runner2; runner2 frees at 4.5 (startup 0.5) and takes c; runner1 frees at 5.5
  // and takes d; runner1... the greedy order is exactly the plan order.
  EXPECT_EQ(dispatched_paths(), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  ASSERT_EQ(transport.dispatched.size(), 5u);
  EXPECT_EQ(transport.dispatched[2].runner, "box_local_2");
  EXPECT_DOUBLE_EQ(transport.dispatched[2].at_seconds, 4.5);
  EXPECT_EQ(transport.dispatched[3].runner, "box_local_1");
  EXPECT_EQ(r.summary.files, 5);
  EXPECT_EQ(r.summary.examples, 5);
  EXPECT_EQ(r.summary.failures, 0);
  for (const FileResult& f : r.files) EXPECT_EQ(f.status, FileStatus::kPassed) << f.path;
  // Runner 2: b(0.5-4.5), c(4.5-7.5); runner 1: a(0.5-5.5), d(5.5-7.5); e to the first free.
  EXPECT_NEAR(r.summary.wall_seconds, 9.5, 0.1);
  ASSERT_EQ(r.runners.size(), 2u);
  EXPECT_EQ(r.runners[1].work, (std::vector<WorkItem>{{"b"}, {"c"}, {"e"}}));
}

TEST_F(EngineTest, EtaComesFromTheExpectedDurationsLeft) {
  add("a", 4);
  add("b", 3);
  add("c", 2);
  add("d", 1);
  make_runners(2);
  run();
  // b ends at 3.5: c and d queued (3 s), a has 1 s left, over 2 runners: 2 s, which is what
  // the run then takes (c on runner 2 until 5.5, d on runner 1 from 4.5 to 5.5).
  ASSERT_FALSE(status.etas.empty());
  EXPECT_DOUBLE_EQ(status.etas[0], 2.0);
  EXPECT_DOUBLE_EQ(status.etas.back(), 0.0) << "nothing is left after the last file";
}

TEST_F(EngineTest, NoEtaWithoutHistory) {
  add("a", 1);
  add("b", 1);
  planned[0].from_history = false;
  planned[1].from_history = false;
  make_runners(1);
  run();
  ASSERT_FALSE(status.etas.empty());
  for (double eta : status.etas) EXPECT_LT(eta, 0);
}

TEST_F(EngineTest, NoiseBeforeTheHandshakeIsLoggedNotFatal) {
  add("a", 1);
  make_runners(1);
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed);
  EXPECT_NE(status.outputs["box_local_1"].find("Welcome to the fake node"), std::string::npos);
}

TEST_F(EngineTest, FileThatCrashesItsRunnerIsRequeuedAndTheRunnerRestarted) {
  add("crashy", 1);
  add("b", 1);
  transport.files["crashy"].crashes = 1;
  make_runners(1);
  RunResult r = run();
  const FileResult& f = result_of(r, "crashy");
  EXPECT_EQ(f.status, FileStatus::kPassed);
  EXPECT_EQ(f.attempts, 2);
  EXPECT_EQ(result_of(r, "b").status, FileStatus::kPassed);
  EXPECT_EQ(std::count(transport.started.begin(), transport.started.end(), "box_local_1"), 2);
  EXPECT_TRUE(status.has_event("requeued (attempt 1 of 2)"));
  ASSERT_EQ(f.earlier_attempts().size(), 1u);
  EXPECT_EQ(f.earlier_attempts()[0].runner, "box_local_1");
  EXPECT_EQ(f.earlier_attempts()[0].outcome, "requeued");
  EXPECT_NE(f.earlier_attempts()[0].why.find("killed by signal 11"), std::string::npos);
  EXPECT_LT(f.earlier_attempts()[0].started_seconds, f.started_seconds);
}

TEST_F(EngineTest, FileThatAlwaysCrashesIsAnErrorWithItsOutput) {
  add("crashy", 1);
  add("b", 1);
  transport.files["crashy"].crashes = 99;
  transport.files["crashy"].output = "about to die\n";
  make_runners(1);
  RunResult r = run();
  const FileResult& f = result_of(r, "crashy");
  EXPECT_EQ(f.status, FileStatus::kError);
  EXPECT_EQ(f.attempts, 2);
  EXPECT_NE(f.output().find("about to die"), std::string::npos);
  EXPECT_NE(f.error().find("killed by signal 11"), std::string::npos) << f.error();
  EXPECT_EQ(result_of(r, "b").status, FileStatus::kPassed);
  EXPECT_EQ(r.summary.errors, 1);
}

TEST_F(EngineTest, TimeoutKillsTheRunnerReportsTimeoutAndGoesOn) {
  add("hangs", 100);
  add("b", 1);
  add("c", 1);
  transport.files["hangs"].hang = true;
  options.timeout_seconds = 3;
  make_runners(1);
  RunResult r = run();
  const FileResult& f = result_of(r, "hangs");
  EXPECT_EQ(f.status, FileStatus::kTimeout);
  EXPECT_NEAR(f.duration_seconds, 3.0, 0.05);
  EXPECT_EQ(result_of(r, "b").status, FileStatus::kPassed);
  EXPECT_EQ(result_of(r, "c").status, FileStatus::kPassed);
  EXPECT_EQ(transport.terminated, (std::vector<std::string>{"box_local_1"}));
}

TEST_F(EngineTest, FailFastStopsDispatchAndEndsEveryRunner) {
  add("slow", 10);
  add("fails", 2, "failed");
  add("c", 1);
  add("d", 1);
  options.fail_fast = 1;
  make_runners(2);
  RunResult r = run();
  EXPECT_TRUE(r.fail_fast_triggered);
  EXPECT_EQ(result_of(r, "fails").status, FileStatus::kFailed);
  EXPECT_EQ(result_of(r, "slow").status, FileStatus::kNotRun);
  EXPECT_EQ(result_of(r, "c").status, FileStatus::kNotRun);
  EXPECT_EQ(r.summary.not_run, 3);
  EXPECT_LT(r.summary.wall_seconds, 3.0);
}

TEST_F(EngineTest, InterruptEndsEverythingAndKeepsFinishedResults) {
  add("a", 1);
  add("b", 10);
  add("c", 10);
  transport.interrupt_at_seconds = 3;
  make_runners(1);
  RunResult r = run();
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed);
  EXPECT_EQ(result_of(r, "b").status, FileStatus::kNotRun);
  EXPECT_EQ(result_of(r, "c").status, FileStatus::kNotRun);
}

TEST_F(EngineTest, NodeSetupRunsOnceAndItsFailureLeavesTheNodeOut) {
  add("a", 1);
  make_runners(2);
  options.node_setup = {"node-setup-hook"};
  transport.hook_exit["node-setup-hook"] = 3;
  RunResult r = run();
  EXPECT_EQ(transport.started, (std::vector<std::string>{"local/node_setup"}));
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kNotRun);
  ASSERT_EQ(r.nodes.size(), 1u);
  EXPECT_EQ(r.nodes[0].status, "failed: node_setup exited with status 3");
  EXPECT_TRUE(status.has_event("hook node-setup-hook ran"));
}

TEST_F(EngineTest, HooksAndRunnersOnANodeRunUnderItsPrefix) {
  add("a", 1);
  nodes.push_back(NodeSlot{"b", "b.example", "/r/p@box", {}, {"flock", "-s", ".busy"}});
  runners.push_back(RunnerSlot{"box_b_1", 1, "b", {}, {"fake-runner"}});
  options.node_setup = {"./node_setup"};
  options.runner_setup = {"./runner_setup"};
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed);
  EXPECT_EQ(transport.argv_of["b/node_setup"],
            (std::vector<std::string>{"flock", "-s", ".busy", "./node_setup"}));
  EXPECT_EQ(transport.argv_of["box_b_1/runner_setup"],
            (std::vector<std::string>{"flock", "-s", ".busy", "./runner_setup", "box_b_1"}));
  EXPECT_EQ(transport.argv_of["box_b_1"],
            (std::vector<std::string>{"flock", "-s", ".busy", "fake-runner"}));
  EXPECT_EQ(transport.argv_of["local/node_setup"], (std::vector<std::string>{"./node_setup"}))
      << "the local node has no prefix";
}

TEST_F(EngineTest, RunnerSetupRunsOncePerRunnerWithItsId) {
  add("a", 1);
  add("b", 1);
  make_runners(2);
  options.node_setup = {"node-setup-hook"};
  options.runner_setup = {"runner-setup-hook"};
  RunResult r = run();
  EXPECT_EQ(std::count(transport.started.begin(), transport.started.end(), "local/node_setup"), 1);
  EXPECT_EQ(std::count(transport.started.begin(), transport.started.end(),
                       "box_local_1/runner_setup"), 1);
  EXPECT_EQ(std::count(transport.started.begin(), transport.started.end(),
                       "box_local_2/runner_setup"), 1);
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed);
  EXPECT_EQ(result_of(r, "b").status, FileStatus::kPassed);
}

TEST_F(EngineTest, FailingRunnerSetupLeavesOnlyThatRunnerOut) {
  add("a", 1);
  add("b", 1);
  make_runners(2);
  options.runner_setup = {"runner-setup-hook"};
  transport.hook_exit["runner-setup-hook box_local_2"] = 1;
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kPassed);
  EXPECT_EQ(result_of(r, "b").status, FileStatus::kPassed);
  EXPECT_EQ(r.runners[0].status, "ok");
  EXPECT_NE(r.runners[1].status.find("runner_setup exited with status 1"), std::string::npos);
  EXPECT_EQ(r.runners[1].work.size(), 0u);
}

TEST_F(EngineTest, RunnersThatCannotStartAreReportedWithTheirOutput) {
  add("a", 1);
  make_runners(2);
  transport.runner_fails_to_start = true;
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kNotRun);
  EXPECT_NE(result_of(r, "a").error().find("cannot load spec_helper"), std::string::npos);
  for (const RunnerResult& rr : r.runners) {
    EXPECT_TRUE(rr.status.starts_with(
        "runner failed to start: LoadError: cannot load spec_helper (exited with status 1)\n"))
        << rr.status;
  }
}

TEST_F(EngineTest, RunnersThatFailToStartForOneCauseShowItOnce) {
  add("a", 1);
  add("b", 1);
  add("c", 1);
  make_runners(3);
  transport.runner_fails_to_start = true;
  run();
  EXPECT_EQ(status.shown_events_with("LoadError: cannot load spec_helper"), 1);
  EXPECT_TRUE(status.has_event("runner box_local_1 failed to start (exited with status 1): "
                               "LoadError: cannot load spec_helper; its output is in the run log"));
  EXPECT_TRUE(status.has_event("runner box_local_3 failed to start (exited with status 1), as "
                               "runner box_local_1 did: LoadError: cannot load spec_helper"));
  EXPECT_TRUE(status.has_event(
      "3 file(s) queued and no runner was left to run it (3 runners failed to start, as above)"));
}

TEST_F(EngineTest, EachCauseOfAFailedStartIsShownOnce) {
  add("a", 1);
  make_runners(4);
  transport.runner_fails_to_start = true;
  transport.start_error_of["box_local_3"] = "ModuleNotFoundError: No module named 'x'\n";
  transport.start_error_of["box_local_4"] = "ModuleNotFoundError: No module named 'x'\n";
  run();
  EXPECT_EQ(status.shown_events_with("LoadError: cannot load spec_helper"), 1);
  EXPECT_EQ(status.shown_events_with("No module named 'x'"), 1);
  EXPECT_TRUE(status.has_event("(4 runners failed to start, as above)"));
}

TEST_F(EngineTest, FilesOfALostNodeGoToRunnersThatWereIdle) {
  add("x", 1);
  add("y", 3);
  transport.files["y"].crashes = 1;
  transport.files["y"].loses_node = true;
  nodes.push_back(NodeSlot{"b", "b.example", "", {}});
  runners.push_back(RunnerSlot{"box_a_1", 1, "local", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_b_1", 1, "b", {}, {"fake-runner"}});
  RunResult r = run();
  // x on a (0.5-1.5); a stays ready while y is in flight on b; b is lost at 3.5 and y runs on a.
  const FileResult& y = result_of(r, "y");
  EXPECT_EQ(y.status, FileStatus::kPassed);
  EXPECT_EQ(y.runner, "box_a_1");
  EXPECT_EQ(y.attempts, 2);
  EXPECT_EQ(r.summary.not_run, 0);
  ASSERT_EQ(r.nodes.size(), 2u);
  EXPECT_TRUE(r.nodes[1].status.starts_with("lost after 3.5s")) << r.nodes[1].status;
  EXPECT_EQ(std::count(transport.started.begin(), transport.started.end(), "box_b_1"), 1)
      << "a runner of a lost node was restarted";
  EXPECT_NE(r.runners[1].status.find("its node was lost"), std::string::npos);
  EXPECT_LT(r.nodes[0].lost_seconds, 0);
  EXPECT_DOUBLE_EQ(r.nodes[1].lost_seconds, 3.5);
  // The lost try stays on the timeline, on the lost node, ending when the node was lost.
  ASSERT_EQ(y.earlier_attempts().size(), 1u);
  const AttemptResult& lost = y.earlier_attempts()[0];
  EXPECT_EQ(lost.runner, "box_b_1");
  EXPECT_EQ(lost.node, "b");
  EXPECT_EQ(lost.outcome, "requeued");
  EXPECT_DOUBLE_EQ(lost.started_seconds + lost.duration_seconds, 3.5);
}

// Found with 8 of 64 real nodes killed at once: a file in flight on one was requeued onto
// another not yet seen dead, and was an error at "attempt 2 of 2" though it never ran on a
// live node. Tries lost with a node do not use up max_attempts.
TEST_F(EngineTest, TriesLostWithANodeDoNotUseUpMaxAttempts) {
  add("y", 3);
  transport.files["y"].crashes = 2;
  transport.files["y"].loses_node = true;
  nodes.push_back(NodeSlot{"b", "b.example", "", {}});
  nodes.push_back(NodeSlot{"c", "c.example", "", {}});
  runners.push_back(RunnerSlot{"box_b_1", 1, "b", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_c_1", 1, "c", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_a_1", 1, "local", {}, {"fake-runner"}});
  ASSERT_EQ(options.max_attempts, 2);
  RunResult r = run();
  const FileResult& y = result_of(r, "y");
  EXPECT_EQ(y.status, FileStatus::kPassed) << y.error();
  EXPECT_EQ(y.attempts, 3);
  ASSERT_EQ(y.earlier_attempts().size(), 2u);
  EXPECT_NE(y.earlier_attempts()[0].node, y.earlier_attempts()[1].node);
  EXPECT_NE(y.node, y.earlier_attempts()[0].node);
  EXPECT_NE(y.node, y.earlier_attempts()[1].node);
  EXPECT_EQ(std::count_if(r.nodes.begin(), r.nodes.end(),
                          [](const NodeResult& n) { return n.lost_seconds >= 0; }),
            2);
  EXPECT_TRUE(status.has_event("requeued (attempt 2 of 4)"));
}

// ... but a file under which 3 nodes went is not tried a 4th time: it may be what kills them.
TEST_F(EngineTest, AFileUnderWhichThreeNodesWereLostIsAnError) {
  add("y", 3);
  transport.files["y"].crashes = 10;
  transport.files["y"].loses_node = true;
  for (const char* n : {"b", "c", "d"}) {
    nodes.push_back(NodeSlot{n, std::string(n) + ".example", "", {}});
    runners.push_back(RunnerSlot{std::string("box_") + n + "_1", 1, n, {}, {"fake-runner"}});
  }
  runners.push_back(RunnerSlot{"box_a_1", 1, "local", {}, {"fake-runner"}});
  RunResult r = run();
  const FileResult& y = result_of(r, "y");
  EXPECT_EQ(y.status, FileStatus::kError);
  EXPECT_EQ(y.attempts, 3);
  EXPECT_NE(y.error().find("3 nodes were lost under it, so it is not tried again"), std::string::npos)
      << y.error();
  EXPECT_EQ(r.summary.errors, 1);
  EXPECT_EQ(r.summary.not_run, 0);
}

TEST_F(EngineTest, RetryRerunsAFailedFileOnAnotherNodeAndReportsItFlaky) {
  add("flaky", 1);
  add("other", 5);
  transport.files["flaky"].fails = 1;
  options.retries = 2;
  nodes.push_back(NodeSlot{"b", "b.example", "", {}});
  runners.push_back(RunnerSlot{"box_a_1", 1, "local", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_a_2", 2, "local", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_b_1", 1, "b", {}, {"fake-runner"}});
  RunResult r = run();
  const FileResult& f = result_of(r, "flaky");
  EXPECT_EQ(f.status, FileStatus::kPassed);
  EXPECT_TRUE(f.flaky);
  EXPECT_EQ(f.attempts, 2);
  // It failed on box_a_1 (node local); the rerun went to the other node.
  EXPECT_EQ(f.runner, "box_b_1");
  EXPECT_NE(f.error().find("failed on box_a_1"), std::string::npos) << f.error();
  EXPECT_EQ(r.summary.flaky, 1);
  EXPECT_EQ(r.summary.failures, 0);
  EXPECT_TRUE(status.has_event("rerunning it elsewhere (rerun 1 of 2)"));
  ASSERT_EQ(f.earlier_attempts().size(), 1u);
  EXPECT_EQ(f.earlier_attempts()[0].runner, "box_a_1");
  EXPECT_EQ(f.earlier_attempts()[0].outcome, "failed");
}

TEST_F(EngineTest, RetryGivesUpAfterNRerunsAndReportsTheFailure) {
  add("broken", 1, "failed");
  options.retries = 2;
  make_runners(2);
  RunResult r = run();
  const FileResult& f = result_of(r, "broken");
  EXPECT_EQ(f.status, FileStatus::kFailed);
  EXPECT_FALSE(f.flaky);
  EXPECT_EQ(f.attempts, 3);
  ASSERT_EQ(f.earlier_attempts().size(), 2u) << "the reported try is not an earlier one";
  EXPECT_NE(f.earlier_attempts()[0].runner, f.earlier_attempts()[1].runner);
  EXPECT_EQ(r.summary.failures, 1);
  EXPECT_EQ(r.summary.flaky, 0);
}

// Found in review: runners of a node whose node_setup failed counted as "another node" for a
// rerun, so the healthy runner never took it and the run waited forever.
TEST_F(EngineTest, RetryDoesNotWaitForANodeWhoseSetupFailed) {
  add("f", 1, "failed");
  options.retries = 1;
  options.node_setup = {"./node_setup"};
  transport.hook_exit["b/node_setup"] = 1;
  nodes.push_back(NodeSlot{"b", "b.example", "", {}});
  runners.push_back(RunnerSlot{"box_local_1", 1, "local", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_b_1", 1, "b", {}, {"fake-runner"}});
  RunResult r = run();
  EXPECT_FALSE(transport.deadlocked) << "the run waited for runners that could never start";
  const FileResult& f = result_of(r, "f");
  EXPECT_EQ(f.status, FileStatus::kFailed);
  EXPECT_EQ(f.attempts, 2) << "the rerun ran on the only runner left";
}

// Found in review: a lost node's file went back to an idle runner of the same node whose own
// exit had not been handled yet, and used up its last attempt there.
TEST_F(EngineTest, ALostNodesFileGoesToAnotherNodeNotToItsOtherRunners) {
  add("x", 3);
  add("y", 0.5);
  add("z", 0.4);
  transport.files["x"].crashes = 1;
  transport.files["x"].loses_node = true;
  // b's runners start first: x on b_1, y on b_2 (idle from 1.0), z on the local runner.
  nodes.insert(nodes.begin(), NodeSlot{"b", "b.example", "", {}});
  runners.push_back(RunnerSlot{"box_b_1", 1, "b", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_b_2", 2, "b", {}, {"fake-runner"}});
  runners.push_back(RunnerSlot{"box_local_1", 3, "local", {}, {"fake-runner"}});
  RunResult r = run();
  const FileResult& x = result_of(r, "x");
  ASSERT_EQ(x.earlier_attempts().size(), 1u);
  EXPECT_EQ(x.earlier_attempts()[0].runner, "box_b_1");
  EXPECT_EQ(x.status, FileStatus::kPassed) << x.error();
  EXPECT_EQ(x.runner, "box_local_1");
  EXPECT_EQ(r.summary.not_run, 0);
}

// Found in review: a runner that died after its record but before its end marker was handed
// the next file while dead; that file was never run.
TEST_F(EngineTest, ARunnerThatDiesAfterItsRecordLosesNoFile) {
  add("a", 3);
  add("b", 2);
  add("c", 1);
  transport.files["a"].record_then_dies = true;
  make_runners(1);
  RunResult r = run();
  EXPECT_FALSE(transport.deadlocked);
  EXPECT_EQ(r.summary.not_run, 0);
  for (const char* path : {"a", "b", "c"}) {
    EXPECT_EQ(result_of(r, path).status, FileStatus::kPassed) << path;
  }
}

// Found in review: a file finishing in its kill grace left its runner idle for a moment; the
// next file went to the dying runner and was reported as the timeout.
TEST_F(EngineTest, AFileFinishingInItsKillGraceIsTheTimeoutNotTheNextFile) {
  add("slow", 5);
  add("next", 1);
  transport.files["slow"].finishes_on_term = true;
  options.timeout_seconds = 2;
  make_runners(1);
  RunResult r = run();
  EXPECT_EQ(result_of(r, "slow").status, FileStatus::kTimeout);
  EXPECT_EQ(result_of(r, "next").status, FileStatus::kPassed);
  EXPECT_EQ(r.summary.not_run, 0);
}

TEST_F(EngineTest, FailuresAreCountedFromRecords) {
  add("a", 1, "failed");
  add("b", 1);
  make_runners(2);
  RunResult r = run();
  EXPECT_EQ(result_of(r, "a").status, FileStatus::kFailed);
  EXPECT_EQ(r.summary.failures, 1);
  EXPECT_EQ(r.summary.examples, 2);
}

}  // namespace
}  // namespace dt
