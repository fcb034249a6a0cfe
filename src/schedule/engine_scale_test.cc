// The engine at scale, on the fake transport's virtual clock (schedule/testing/fleet_sim.h):
// every work item of a skewed suite runs exactly once, the makespan stays near the lower bound,
// and the engine's work grows with what happens, not with runners times files. Nothing here is
// timed: a quadratic step shows in the engine's own counts (EngineWork), not on a clock.
#include <gtest/gtest.h>

#include "schedule/engine_test_support.h"
#include "schedule/testing/fleet_sim.h"

namespace dt {
namespace {

TEST(EngineScaleTest, FiveHundredRunnersRunFiftyThousandItemsOnceNearTheLowerBound) {
  FleetSpec spec;
  spec.nodes = 125;
  spec.runners_per_node = 4;
  spec.files = 50000;
  spec.long_files = 3;
  FleetSuite suite = make_fleet_suite(spec);
  std::vector<PlannedFile> items = plan_fleet(suite, spec.runners());
  FleetOutcome out = run_fleet(spec, suite, items);

  EXPECT_EQ(out.problem, "") << "every item ran once and passed";
  EXPECT_EQ(out.split_files, spec.long_files) << "the planner cut the long files";
  // Each cut file's place taken by its parts.
  EXPECT_EQ(out.items + static_cast<std::size_t>(out.split_files),
            out.files + static_cast<std::size_t>(out.parts));
  // Runners take 0.5 s to start and the last exits 0.01 s after its last file; beyond that, a
  // queue longest first on 500 runners ends within the shortest items of the bound.
  EXPECT_GE(out.makespan_seconds, out.lower_bound_seconds);
  EXPECT_LE(out.makespan_seconds, out.lower_bound_seconds * 1.01 + 1);

  // Each event visits O(1) runners besides its own; each estimate of the time left visits them
  // all, and comes at most every 0.5 s of the run, not once per file. Before, every file that
  // finished visited every runner twice or more (the next deadline, the idle ones, the estimate):
  // 500 x 50,000.
  EXPECT_GT(out.work.events, 2 * out.items);
  EXPECT_LE(out.work.estimates, out.makespan_seconds / 0.5 + 2);
  EXPECT_LE(out.work.runner_visits,
            3 * out.work.events + (out.work.estimates + 4) * static_cast<std::size_t>(out.runners));
}

TEST_F(EngineTest, TimeLeftIsEstimatedAtMostTwiceASecondNotForEveryFile) {
  for (int i = 0; i < 2000; ++i) add("f" + std::to_string(i), 0.01);
  make_runners(4);
  RunResult r = run();
  EXPECT_EQ(r.summary.files, 2000);
  // 2000 x 0.01 s on 4 runners: 5 s of files, so about 10 estimates, the last one at the end.
  EXPECT_LE(status.etas.size(), 2 * 6u + 2);
  ASSERT_FALSE(status.etas.empty());
  EXPECT_DOUBLE_EQ(status.etas.back(), 0.0);
}

}  // namespace
}  // namespace dt
