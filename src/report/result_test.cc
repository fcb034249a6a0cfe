#include "report/result.h"

#include <gtest/gtest.h>

#include <string>

namespace dt {
namespace {

FileResult file(FileStatus status, double duration, int examples = 0, int failures = 0,
                int pending = 0) {
  FileResult f;
  f.status = status;
  f.duration_seconds = duration;
  f.examples = examples;
  f.failures = failures;
  f.pending = pending;
  return f;
}

TEST(FileStatusTest, Names) {
  EXPECT_STREQ(to_string(FileStatus::kPassed), "passed");
  EXPECT_STREQ(to_string(FileStatus::kFailed), "failed");
  EXPECT_STREQ(to_string(FileStatus::kError), "error");
  EXPECT_STREQ(to_string(FileStatus::kTimeout), "timeout");
  EXPECT_STREQ(to_string(FileStatus::kNotRun), "not run");
}

TEST(SummarizeTest, CountsFilesExamplesAndErrors) {
  RunResult r;
  r.files = {file(FileStatus::kPassed, 1, 10, 0, 2), file(FileStatus::kFailed, 2, 5, 3, 1),
             file(FileStatus::kError, 0.5),          file(FileStatus::kTimeout, 60, 4, 0, 0),
             file(FileStatus::kNotRun, 0),           file(FileStatus::kNotRun, 0)};
  summarize(r, 4);
  EXPECT_EQ(r.summary.files, 4);
  EXPECT_EQ(r.summary.examples, 19);
  EXPECT_EQ(r.summary.failures, 3);
  EXPECT_EQ(r.summary.pending, 3);
  EXPECT_EQ(r.summary.errors, 2);
  EXPECT_EQ(r.summary.not_run, 2);
}

TEST(SummarizeTest, LowerBoundIsTheLongestFileWhenItDominates) {
  RunResult r;
  r.files = {file(FileStatus::kPassed, 30), file(FileStatus::kPassed, 2),
             file(FileStatus::kPassed, 4)};
  summarize(r, 4);
  EXPECT_DOUBLE_EQ(r.summary.lower_bound_seconds, 30);
}

TEST(SummarizeTest, LowerBoundIsTheAverageLoadWhenItDominates) {
  RunResult r;
  r.files = {file(FileStatus::kPassed, 5), file(FileStatus::kFailed, 5),
             file(FileStatus::kPassed, 5), file(FileStatus::kPassed, 5),
             file(FileStatus::kNotRun, 1000)};  // never ran: no part of the bound
  summarize(r, 2);
  EXPECT_DOUBLE_EQ(r.summary.lower_bound_seconds, 10);
}

TEST(SummarizeTest, ZeroRunnersCountAsOne) {
  RunResult r;
  r.files = {file(FileStatus::kPassed, 3), file(FileStatus::kPassed, 4)};
  summarize(r, 0);
  EXPECT_DOUBLE_EQ(r.summary.lower_bound_seconds, 7);
}

TEST(SummarizeTest, KeepsWallSecondsAndResetsTheRest) {
  RunResult r;
  r.summary.wall_seconds = 12.5;
  r.summary.files = 99;
  r.files = {file(FileStatus::kPassed, 1, 1)};
  summarize(r, 1);
  EXPECT_DOUBLE_EQ(r.summary.wall_seconds, 12.5);
  EXPECT_EQ(r.summary.files, 1);
  summarize(r, 1);  // again: no double counting
  EXPECT_EQ(r.summary.examples, 1);
}

}  // namespace
}  // namespace dt
