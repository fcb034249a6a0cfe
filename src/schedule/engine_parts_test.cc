// The engine with files cut into parts (issue 11): each part is its own work item on the
// queue, sent as a part line, and the results come back merged into one file.
#include <algorithm>

#include "runner/protocol.h"
#include "schedule/engine_test_support.h"

namespace dt {
namespace {

class EnginePartsTest : public EngineTest {
 protected:
  // Queues part `part` of `parts` of `path`; the fake runner answers the part's line.
  void add_part(const std::string& path, int part, int parts, double seconds,
                std::vector<std::string> ids, std::string status = "passed") {
    Selection s{part < parts ? Selection::Kind::kOnly : Selection::Kind::kExcept, std::move(ids),
                part, parts};
    std::string line = work_line(path, s);
    line.pop_back();  // the newline
    transport.files[line] = FakeFile{seconds, status, 2, status == "failed" ? 1 : 0, "", 0, 0};
    planned.push_back(PlannedFile{path, 0, seconds, true, false, s});
    part_lines_.push_back(line);
  }
  // The line the n-th part added was sent as (without its newline).
  std::string lines_for_part(std::size_t n) const { return part_lines_.at(n - 1); }
  std::vector<std::string> lines_sent() const { return dispatched_paths(); }

 private:
  std::vector<std::string> part_lines_;
};

TEST_F(EnginePartsTest, PartsRunOnSeveralRunnersAndComeBackAsOneFile) {
  add_part("big.py", 1, 2, 4, {"big.py::a"});
  add_part("big.py", 2, 2, 4, {"big.py::a"});
  add("small.py", 1);
  make_runners(2);
  RunResult r = run();

  // One row per file, the split one where its first part finished.
  ASSERT_EQ(r.files.size(), 2u);
  const FileResult& big = result_of(r, "big.py");
  EXPECT_EQ(big.status, FileStatus::kPassed);
  EXPECT_TRUE(big.selection.whole());
  ASSERT_EQ(big.parts().size(), 2u);
  EXPECT_EQ(big.parts()[0].selection.part, 1);
  EXPECT_EQ(big.parts()[1].selection.part, 2);
  EXPECT_NE(big.parts()[0].runner, big.parts()[1].runner) << "both parts ran side by side";
  EXPECT_EQ(big.examples, 4) << "2 examples per part, summed";
  EXPECT_NEAR(big.duration_seconds, 8, 0.1) << "the runner time of both parts";
  EXPECT_EQ(r.summary.files, 2);
  EXPECT_EQ(r.summary.examples, 5);
  // The lower bound is the longest work item, not the merged file.
  EXPECT_NEAR(r.summary.lower_bound_seconds, 4.5, 0.1);
  EXPECT_NEAR(r.summary.wall_seconds, 5, 0.6) << "the parts ran in parallel";

  // Each part went as a part line: 0x1f and JSON naming its path and selection.
  std::vector<std::string> lines = lines_sent();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "\x1f{\"only\":[\"big.py::a\"],\"path\":\"big.py\"}");
  EXPECT_EQ(lines[1], "\x1f{\"except\":[\"big.py::a\"],\"path\":\"big.py\"}");
  EXPECT_EQ(lines[2], "small.py");
  // What each runner ran, with the parts, for the timing store's last run (replay, bisect).
  std::vector<WorkItem> all;
  for (const RunnerResult& rr : r.runners) all.insert(all.end(), rr.work.begin(), rr.work.end());
  EXPECT_EQ(std::count_if(all.begin(), all.end(),
                          [](const WorkItem& w) { return w.path == "big.py" && !w.selection.whole(); }),
            2);
}

TEST_F(EnginePartsTest, AFailingPartFailsItsFileOnceAndRetryRerunsThatPartAlone) {
  add_part("big.py", 1, 2, 2, {"big.py::a"});
  add_part("big.py", 2, 2, 2, {"big.py::a"});
  std::string flaky_line = lines_for_part(2);
  transport.files[flaky_line].fails = 1;
  options.retries = 1;
  make_runners(2);
  RunResult r = run();
  const FileResult& big = result_of(r, "big.py");
  EXPECT_EQ(big.status, FileStatus::kPassed);
  EXPECT_TRUE(big.flaky);
  ASSERT_EQ(big.parts().size(), 2u);
  EXPECT_EQ(big.parts()[0].attempts, 1);
  EXPECT_EQ(big.parts()[1].attempts, 2);
  EXPECT_EQ(r.summary.flaky, 1);
  std::vector<std::string> lines = lines_sent();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), flaky_line), 2) << "the failed part again";
  EXPECT_EQ(lines.size(), 3u) << "and only that part";
  EXPECT_TRUE(status.has_event("big.py (part 2/2) failed on"));
}

TEST_F(EnginePartsTest, APartThatKeepsFailingLeavesTheFileFailedWithTheOthersResults) {
  add_part("big.py", 1, 3, 2, {"a"});
  add_part("big.py", 2, 3, 2, {"b"}, "failed");
  add_part("big.py", 3, 3, 2, {"a", "b"});
  make_runners(3);
  RunResult r = run();
  ASSERT_EQ(r.files.size(), 1u);
  const FileResult& big = r.files[0];
  EXPECT_EQ(big.status, FileStatus::kFailed);
  EXPECT_FALSE(big.flaky);
  EXPECT_EQ(big.examples, 6);
  EXPECT_EQ(big.failures, 1);
  EXPECT_EQ(r.summary.failures, 1);
  ASSERT_EQ(big.parts().size(), 3u);
  EXPECT_EQ(big.parts()[1].status, FileStatus::kFailed);
  EXPECT_EQ(big.parts()[0].status, FileStatus::kPassed);
}

TEST_F(EnginePartsTest, APartWhoseRunnerDiesIsRequeuedAloneAndNothingIsLost) {
  add_part("big.py", 1, 2, 2, {"a"});
  add_part("big.py", 2, 2, 2, {"a"});
  transport.files[lines_for_part(1)].crashes = 1;
  make_runners(2);
  RunResult r = run();
  const FileResult& big = result_of(r, "big.py");
  EXPECT_EQ(big.status, FileStatus::kPassed);
  ASSERT_EQ(big.parts().size(), 2u);
  EXPECT_EQ(big.parts()[0].attempts, 2);
  EXPECT_EQ(big.parts()[1].attempts, 1);
  EXPECT_EQ(big.examples, 4);
  EXPECT_TRUE(status.has_event("big.py (part 1/2); requeued"));
}

TEST_F(EnginePartsTest, PartsLeftUnrunByFailFastLeaveTheFileNotRun) {
  add("bad.py", 1, "failed");
  add_part("big.py", 1, 2, 5, {"a"});
  add_part("big.py", 2, 2, 5, {"a"});
  options.fail_fast = 1;
  make_runners(1);
  RunResult r = run();
  const FileResult& big = result_of(r, "big.py");
  EXPECT_EQ(big.status, FileStatus::kNotRun);
  ASSERT_EQ(big.parts().size(), 2u);
  EXPECT_EQ(r.summary.not_run, 1);
}

}  // namespace
}  // namespace dt
