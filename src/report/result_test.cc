#include "report/result.h"

#include <gtest/gtest.h>

#include <iterator>
#include <string>
#include <utility>

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

// A plain pass carries no details; reading them through const makes none, and a copy of a result
// with details is a copy of them, not a second owner.
TEST(SelectionTest, IdsAreAListBehindAPointerThatCopiesAsAValue) {
  Selection whole;
  EXPECT_TRUE(whole.ids.empty());
  EXPECT_EQ(whole.ids, IdList(std::vector<std::string>{}));
  Selection only{Selection::Kind::kOnly, {"a", "b"}, 1, 2};
  Selection copy = only;
  copy.ids.push_back("c");
  EXPECT_EQ(only.ids.list(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(copy.ids.size(), 3u);
  EXPECT_FALSE(copy == only);
  copy = only;
  EXPECT_TRUE(copy == only);
  EXPECT_LE(sizeof(Selection), 24u) << "a whole file's selection should hold no list";
}

TEST(FileResultTest, DetailsAreMadeOnlyWhenWrittenAndCopyAsValues) {
  FileResult plain;
  plain.set_output("");
  const FileResult& read = plain;
  EXPECT_TRUE(read.cases().empty());
  EXPECT_EQ(read.output(), "");
  EXPECT_EQ(read.error(), "");
  EXPECT_TRUE(read.parts().empty());
  EXPECT_TRUE(read.earlier_attempts().empty());
  EXPECT_EQ(plain.details.get(), nullptr) << "reading or clearing made the details";

  FileResult failed;
  failed.set_output("boom\n");
  failed.error() = "exit 1";
  failed.cases().push_back(CaseResult{"it fails", "", "failed", 0.1, "expected 1", "", ""});
  FileResult copy = failed;
  ASSERT_NE(copy.details.get(), nullptr);
  EXPECT_NE(copy.details.get(), failed.details.get());
  copy.error() = "changed";
  EXPECT_EQ(failed.error(), "exit 1");
  EXPECT_EQ(copy.output(), "boom\n");
  ASSERT_EQ(copy.cases().size(), 1u);
  EXPECT_EQ(copy.cases()[0].message, "expected 1");

  failed.set_output("");
  EXPECT_EQ(std::as_const(failed).output(), "");
  EXPECT_EQ(failed.error(), "exit 1") << "clearing the output keeps the rest";
  FileResult moved = std::move(failed);
  EXPECT_EQ(moved.error(), "exit 1");
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

// Part `part` of `parts` of spec/big_spec.rb, as a runner reported it.
FileResult part(int part, int parts, FileStatus status, const std::string& runner) {
  FileResult f = file(status, 2.0 * part, 3, status == FileStatus::kFailed ? 1 : 0, 1);
  f.path = "spec/big_spec.rb";
  f.selection = {part < parts ? Selection::Kind::kOnly : Selection::Kind::kExcept,
                 {"e" + std::to_string(part)},
                 part,
                 parts};
  f.node = "n" + runner;
  f.runner = runner;
  f.attempts = 1;
  f.started_seconds = 10.0 * part;
  CaseResult c;
  c.name = "example " + std::to_string(part);
  c.status = status == FileStatus::kFailed ? "failed" : "passed";
  c.id = "e" + std::to_string(part);
  f.cases() = {c};
  f.output() = "output of part " + std::to_string(part) + "\n";
  return f;
}

FileResult whole(const std::string& path, FileStatus status = FileStatus::kPassed) {
  FileResult f = file(status, 1, 1);
  f.path = path;
  return f;
}

TEST(MergePartsTest, OneResultPerFileAtItsFirstPartsPlace) {
  RunResult r;
  r.files = {whole("a_spec.rb"),
             part(2, 3, FileStatus::kPassed, "r2"),
             whole("b_spec.rb"),
             part(3, 3, FileStatus::kPassed, "r3"),
             part(1, 3, FileStatus::kPassed, "r1"),
             whole("c_spec.rb")};
  merge_parts(r);
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(r.files[0].path, "a_spec.rb");
  EXPECT_EQ(r.files[1].path, "spec/big_spec.rb");
  EXPECT_EQ(r.files[2].path, "b_spec.rb");
  EXPECT_EQ(r.files[3].path, "c_spec.rb");
  const FileResult& big = r.files[1];
  EXPECT_TRUE(big.selection.whole()) << "a merged file answers for the whole file";
  ASSERT_EQ(big.parts().size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(big.parts()[i].selection.part, i + 1) << "parts in part order";
    EXPECT_TRUE(big.parts()[i].cases().empty()) << "cases moved to the file";
    EXPECT_TRUE(big.parts()[i].output().empty()) << "output moved to the file";
    EXPECT_EQ(big.parts()[i].runner, "r" + std::to_string(i + 1));
  }
}

TEST(MergePartsTest, CountsSummedErrorsTheLargestTimesFromTheParts) {
  RunResult r;
  r.files = {part(1, 3, FileStatus::kPassed, "r1"), part(2, 3, FileStatus::kFailed, "r2"),
             part(3, 3, FileStatus::kPassed, "r3")};
  r.files[0].errors = 1;
  r.files[1].errors = 2;  // a load error repeats in every part: the file's, not summed
  r.files[2].attempts = 2;
  merge_parts(r);
  ASSERT_EQ(r.files.size(), 1u);
  const FileResult& f = r.files[0];
  EXPECT_EQ(f.examples, 9);
  EXPECT_EQ(f.failures, 1);
  EXPECT_EQ(f.pending, 3);
  EXPECT_EQ(f.errors, 2);
  EXPECT_EQ(f.attempts, 2);
  EXPECT_DOUBLE_EQ(f.duration_seconds, 2 + 4 + 6);  // the runners' summed time
  EXPECT_DOUBLE_EQ(f.started_seconds, 10);          // its first part's start
  EXPECT_EQ(f.runner, "r1");
  EXPECT_EQ(f.node, "nr1");
  EXPECT_EQ(f.status, FileStatus::kFailed);
}

TEST(MergePartsTest, CasesAndOutputInPartOrderWithHeaders) {
  RunResult r;
  r.files = {part(3, 3, FileStatus::kPassed, "r3"), part(1, 3, FileStatus::kFailed, "r1"),
             part(2, 3, FileStatus::kPassed, "r2")};
  r.files[2].output() = "";  // printed nothing: no header either
  merge_parts(r);
  const FileResult& f = r.files[0];
  ASSERT_EQ(f.cases().size(), 3u);
  EXPECT_EQ(f.cases()[0].id, "e1");
  EXPECT_EQ(f.cases()[1].id, "e2");
  EXPECT_EQ(f.cases()[2].id, "e3");
  EXPECT_EQ(f.output(),
            "--- spec/big_spec.rb (part 1/3) (nr1, r1)\noutput of part 1\n"
            "--- spec/big_spec.rb (part 3/3) (nr3, r3)\noutput of part 3\n");
  EXPECT_EQ(part_output(f, 0), "--- spec/big_spec.rb (part 1/3) (nr1, r1)\noutput of part 1\n");
  EXPECT_EQ(part_output(f, 1), "");
  EXPECT_EQ(part_output(f, 2), "--- spec/big_spec.rb (part 3/3) (nr3, r3)\noutput of part 3\n");
  EXPECT_EQ(part_output(f, 3), "");
  EXPECT_EQ(part_output(whole("a_spec.rb"), 0), "");
}

TEST(MergePartsTest, ACaseIsFoundInThePartThatRanIt) {
  RunResult r;
  r.files = {part(1, 3, FileStatus::kPassed, "r1"), part(2, 3, FileStatus::kPassed, "r2"),
             part(3, 3, FileStatus::kPassed, "r3")};
  merge_parts(r);
  const FileResult& f = r.files[0];
  ASSERT_NE(part_of_case(f, f.cases()[1]), nullptr);
  EXPECT_EQ(part_of_case(f, f.cases()[1])->runner, "r2");
  CaseResult added;  // new since the last run: the `except` part ran it
  added.id = "e9";
  ASSERT_NE(part_of_case(f, added), nullptr);
  EXPECT_EQ(part_of_case(f, added)->runner, "r3");
  EXPECT_EQ(part_of_case(f, CaseResult{}), nullptr);
  EXPECT_EQ(part_of_case(whole("a_spec.rb"), added), nullptr);
}

TEST(MergePartsTest, StatusIsTheWorstOfTheParts) {
  // passed < not run < failed < timeout < error
  const FileStatus order[] = {FileStatus::kPassed, FileStatus::kNotRun, FileStatus::kFailed,
                              FileStatus::kTimeout, FileStatus::kError};
  for (std::size_t worse = 1; worse < std::size(order); ++worse) {
    for (std::size_t better = 0; better < worse; ++better) {
      RunResult r;
      r.files = {part(1, 2, order[worse], "r1"), part(2, 2, order[better], "r2")};
      merge_parts(r);
      EXPECT_EQ(r.files[0].status, order[worse])
          << to_string(order[worse]) << " beats " << to_string(order[better]);
      r.files = {part(1, 2, order[better], "r1"), part(2, 2, order[worse], "r2")};
      merge_parts(r);
      EXPECT_EQ(r.files[0].status, order[worse]) << "in either part";
    }
  }
}

TEST(MergePartsTest, ErrorsAreLabelledByPart) {
  RunResult r;
  r.files = {part(1, 2, FileStatus::kTimeout, "r1"), part(2, 2, FileStatus::kError, "r2")};
  r.files[0].error() = "took longer than 60s";
  r.files[1].error() = "its runner died";
  merge_parts(r);
  EXPECT_EQ(r.files[0].error(),
            "spec/big_spec.rb (part 1/2): took longer than 60s\n"
            "spec/big_spec.rb (part 2/2): its runner died");
}

TEST(MergePartsTest, FlakyOnlyWhenTheFilePassedInTheEnd) {
  RunResult r;
  r.files = {part(1, 2, FileStatus::kPassed, "r1"), part(2, 2, FileStatus::kPassed, "r2")};
  r.files[1].flaky = true;
  merge_parts(r);
  EXPECT_TRUE(r.files[0].flaky) << "a flaky part that passed leaves the file flaky";
  r.files = {part(1, 2, FileStatus::kFailed, "r1"), part(2, 2, FileStatus::kPassed, "r2")};
  r.files[1].flaky = true;
  merge_parts(r);
  EXPECT_FALSE(r.files[0].flaky) << "a file that failed is not flaky";
  summarize(r, 2);
  EXPECT_EQ(r.summary.flaky, 0);
}

TEST(MergePartsTest, IdempotentAndWholeFilesUntouched) {
  RunResult r;
  FileResult a = whole("a_spec.rb", FileStatus::kFailed);
  a.output() = "boom\n";
  a.cases() = {CaseResult{"x", "a_spec.rb:1", "failed", 0.5, "m", "b"}};
  r.files = {a, part(1, 2, FileStatus::kPassed, "r1"), part(2, 2, FileStatus::kPassed, "r2")};
  merge_parts(r);
  RunResult once = r;
  merge_parts(r);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].output(), "boom\n");
  EXPECT_EQ(r.files[0].cases().size(), 1u);
  EXPECT_TRUE(r.files[0].parts().empty());
  EXPECT_EQ(r.files[1].output(), once.files[1].output());
  EXPECT_EQ(r.files[1].cases().size(), once.files[1].cases().size());
  EXPECT_EQ(r.files[1].parts().size(), 2u);
  EXPECT_EQ(r.files[1].examples, once.files[1].examples);
}

TEST(SummarizeTest, LowerBoundIsTheLongestPartOfASplitFile) {
  RunResult r;
  r.files = {part(1, 2, FileStatus::kPassed, "r1"), part(2, 2, FileStatus::kPassed, "r2")};
  merge_parts(r);
  summarize(r, 100);
  EXPECT_EQ(r.summary.files, 1);
  EXPECT_EQ(r.summary.split_files, 1);
  EXPECT_EQ(r.summary.parts, 2);
  EXPECT_DOUBLE_EQ(r.summary.lower_bound_seconds, 4) << "its longest part, not the file's sum";
}

}  // namespace
}  // namespace dt
