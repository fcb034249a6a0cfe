#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "schedule/timing_store.h"

namespace dt {
namespace {

CaseResult example(const std::string& id, double seconds) {
  CaseResult c;
  c.id = id;
  c.name = id;
  c.status = "passed";
  c.duration_seconds = seconds;
  return c;
}

FileResult ran(const std::string& path, double seconds, std::vector<CaseResult> cases) {
  FileResult f;
  f.path = path;
  f.status = FileStatus::kPassed;
  f.duration_seconds = seconds;
  f.examples = static_cast<int>(cases.size());
  f.cases() = std::move(cases);
  f.node = "n1";
  return f;
}


TEST(TimingRecordTest, RecordRunKeepsExampleCountsSetupAndSlowFilesExamples) {
  RunResult run;
  run.files = {ran("slow.py", 3.0, {example("slow.py::a", 1.0), example("slow.py::b", 1.5)}),
               ran("fast.py", 0.2, {example("fast.py::a", 0.1)})};
  run.runners = {RunnerResult{"r1", "n1", 1, {{"slow.py"}, {"fast.py"}}, "ok"}};
  TimingStore store;
  store.record_run(run);
  const FileTiming* slow = store.find("slow.py");
  ASSERT_NE(slow, nullptr);
  EXPECT_EQ(slow->examples, 2);
  EXPECT_NEAR(slow->setup_seconds, 0.5, 1e-9);
  ASSERT_EQ(slow->example_timings.size(), 2u);
  EXPECT_EQ(slow->example_timings[1].id, "slow.py::b");
  EXPECT_DOUBLE_EQ(slow->example_timings[1].seconds, 1.5);
  // Under kMinSplitSeconds: never split, so its examples are not kept.
  EXPECT_EQ(store.find("fast.py")->examples, 1);
  EXPECT_TRUE(store.find("fast.py")->example_timings.empty());

  TimingStore loaded;
  ASSERT_EQ(loaded.parse(store.serialize()), "");
  EXPECT_EQ(loaded.serialize(), store.serialize());
  EXPECT_EQ(loaded.find("slow.py")->example_timings.size(), 2u);
  EXPECT_EQ(loaded.last_run(), store.last_run());
}

// New files come in completion order, not by path: they are merged in where they belong, around
// the ones the store knows, and a path given twice is folded in twice.
TEST(TimingRecordTest, ARunOfNewFilesInAnyOrderIsMergedInByPath) {
  TimingStore store;
  store.record("c.py", 4);
  store.record("a.py", 2);  // out of order: inserted before c.py
  RunResult run;
  for (const char* path : {"e.py", "b.py", "c.py", "d.py", "0.py", "b.py"}) {
    run.files.push_back(ran(path, 1, {}));
  }
  run.files.push_back(ran("f.py", std::nan(""), {}));  // a broken clock: left out
  store.record_run(run);
  std::vector<std::string> paths;
  for (const auto& [path, timing] : store.timings()) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"0.py", "a.py", "b.py", "c.py", "d.py", "e.py"}));
  ASSERT_NE(store.find("b.py"), nullptr);
  EXPECT_EQ(store.find("b.py")->runs, 2);
  EXPECT_EQ(store.find("c.py")->seconds, 2.5);  // 4, then 1 at half weight
  EXPECT_EQ(store.find("a.py")->seconds, 2);
  EXPECT_EQ(store.find("e.py")->examples, 0);  // ran completely, with no examples
  EXPECT_EQ(store.find("f.py"), nullptr);
}

TEST(TimingRecordTest, AFileThatDidNotRunCompletelyKeepsItsExampleHistory) {
  RunResult first;
  first.files = {ran("s.py", 2.0, {example("s.py::a", 1.0), example("s.py::b", 0.9)})};
  TimingStore store;
  store.record_run(first);
  RunResult second;
  second.files = {ran("s.py", 2.0, {example("s.py::a", 1.0)})};
  second.files[0].status = FileStatus::kTimeout;
  store.record_run(second);
  EXPECT_EQ(store.find("s.py")->examples, 2);
  EXPECT_EQ(store.find("s.py")->example_timings.size(), 2u);
}

TEST(TimingRecordTest, SuiteDriftNamesFilesThatRanFewerExamplesThanLastTime) {
  RunResult first;
  first.files = {ran("a.py", 1.0, {example("a::1", 0.1), example("a::2", 0.1)}),
                 ran("b.py", 1.0, {example("b::1", 0.1)})};
  TimingStore store;
  store.record_run(first);
  RunResult second;
  second.files = {ran("a.py", 1.0, {example("a::1", 0.1)}),
                  ran("b.py", 1.0, {example("b::1", 0.1), example("b::2", 0.1)})};
  second.files[0].node = "n2";
  std::vector<SuiteDrift> drift = find_suite_drift(store, second);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].path, "a.py");
  EXPECT_EQ(drift[0].examples, 1);
  EXPECT_EQ(drift[0].last_examples, 2);
  EXPECT_EQ(drift[0].nodes, "n2");
  // Pending examples are among the examples: one gone while another is now skipped is drift.
  second.files[0].examples = 1;
  second.files[0].pending = 1;
  EXPECT_EQ(find_suite_drift(store, second).size(), 1u);
  // A file that errored (it could not load) is an error already, not drift.
  second.files[0].status = FileStatus::kError;
  EXPECT_TRUE(find_suite_drift(store, second).empty());
}

}  // namespace
}  // namespace dt
