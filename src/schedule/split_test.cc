#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "schedule/plan.h"
#include "schedule/timing_store.h"

namespace dt {
namespace {

// A store that has run `path` whole once: `examples` of `each` seconds after `setup` seconds.
void ran(TimingStore& store, const std::string& path, int examples, double each, double setup) {
  RunResult run;
  FileResult f;
  f.path = path;
  f.status = FileStatus::kPassed;
  f.duration_seconds = setup + examples * each;
  f.examples = examples;
  for (int i = 0; i < examples; ++i) {
    CaseResult c;
    c.id = path + "::t" + std::to_string(i);
    c.status = "passed";
    c.duration_seconds = each;
    f.cases.push_back(c);
  }
  run.files.push_back(f);
  store.record_run(run);
}

PlannedFile planned(const TimingStore& store, const std::string& path) {
  return PlannedFile{path, 0, store.find(path)->seconds, true};
}

std::vector<PlannedFile> suite(const TimingStore& store, const std::vector<std::string>& paths) {
  std::vector<PlannedFile> files;
  for (const std::string& p : paths) files.push_back(planned(store, p));
  return files;
}

std::vector<const PlannedFile*> parts_of(const std::vector<PlannedFile>& items,
                                         const std::string& path) {
  std::vector<const PlannedFile*> parts;
  for (const PlannedFile& f : items) {
    if (f.path == path && !f.selection.whole()) parts.push_back(&f);
  }
  return parts;
}

TEST(SplitTest, TheFileThatBoundsTheRunIsCutIntoPartsThatRunEveryExampleOnce) {
  TimingStore store;
  ran(store, "big.py", 12, 1.0, 0.2);  // 12.2 s
  for (int i = 0; i < 4; ++i) ran(store, "s" + std::to_string(i) + ".py", 2, 0.5, 0.1);
  std::vector<PlannedFile> files = suite(store, {"big.py", "s0.py", "s1.py", "s2.py", "s3.py"});
  double whole = predicted_makespan(files, 4);

  std::vector<PlannedFile> items = split_slow_files(files, store, 4);
  std::vector<const PlannedFile*> parts = parts_of(items, "big.py");
  ASSERT_GE(parts.size(), 2u);
  EXPECT_LT(predicted_makespan(items, 4), whole * 0.6);
  // Numbered 1..k, the last one `except` the others' ids; `only` lists disjoint; their union is
  // exactly the except list, so with the file's examples of today each runs once.
  std::set<std::string> only;
  std::size_t listed = 0;
  const PlannedFile* rest = nullptr;
  for (const PlannedFile* p : parts) {
    EXPECT_EQ(p->selection.parts, static_cast<int>(parts.size()));
    if (p->selection.kind == Selection::Kind::kExcept) {
      EXPECT_EQ(rest, nullptr) << "one except part";
      rest = p;
      EXPECT_EQ(p->selection.part, p->selection.parts);
      continue;
    }
    listed += p->selection.ids.size();
    only.insert(p->selection.ids.begin(), p->selection.ids.end());
  }
  ASSERT_NE(rest, nullptr);
  EXPECT_EQ(only.size(), listed) << "only lists are disjoint";
  EXPECT_EQ(std::set<std::string>(rest->selection.ids.begin(), rest->selection.ids.end()), only);
  EXPECT_LT(only.size(), 12u) << "the except part has examples of its own";
  // Longest first, and every whole file still there once.
  EXPECT_TRUE(std::is_sorted(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.expected_seconds > b.expected_seconds;
  }));
  EXPECT_EQ(items.size(), 4 + parts.size());
  // Each part pays the file's set-up again.
  for (const PlannedFile* p : parts) EXPECT_GE(p->expected_seconds, 0.2);
}

TEST(SplitTest, NothingIsCutWithOneRunnerOrWhenNoFileExceedsAnEvenShare) {
  TimingStore store;
  for (int i = 0; i < 8; ++i) ran(store, "f" + std::to_string(i) + ".py", 4, 0.5, 0.1);
  std::vector<PlannedFile> files =
      suite(store, {"f0.py", "f1.py", "f2.py", "f3.py", "f4.py", "f5.py", "f6.py", "f7.py"});
  for (int runners : {1, 2, 4, 8}) {
    std::vector<PlannedFile> items = split_slow_files(files, store, runners);
    EXPECT_EQ(items.size(), files.size()) << runners << " runners";
    for (const PlannedFile& f : items) EXPECT_TRUE(f.selection.whole());
  }
  ran(store, "big.py", 10, 1.0, 0.1);
  files.push_back(planned(store, "big.py"));
  EXPECT_EQ(split_slow_files(files, store, 1).size(), files.size()) << "one runner";
}

TEST(SplitTest, ASetUpThatCostsMoreThanTheSplitSavesKeepsTheFileWhole) {
  TimingStore store;
  ran(store, "heavy.py", 2, 0.5, 20.0);  // 21 s, of which 20 s loading: two parts take 20.5 s
  ran(store, "small.py", 1, 0.5, 0.0);
  std::vector<PlannedFile> items = split_slow_files(suite(store, {"heavy.py", "small.py"}), store, 2);
  EXPECT_TRUE(parts_of(items, "heavy.py").empty());

  TimingStore light;
  ran(light, "heavy.py", 2, 10.0, 0.5);  // the same length, nearly all in its examples
  ran(light, "small.py", 1, 0.5, 0.0);
  items = split_slow_files(suite(light, {"heavy.py", "small.py"}), light, 2);
  EXPECT_EQ(parts_of(items, "heavy.py").size(), 2u);
}

TEST(SplitTest, FilesWithoutExampleHistoryFreshSessionsAndNonUtf8PathsStayWhole) {
  TimingStore store;
  ran(store, "big.py", 10, 1.0, 0.1);
  ran(store, "bad\xff.py", 10, 1.0, 0.1);
  store.record("nohistory.py", 10.1);  // a duration, no examples (a command file, a v1 store)
  ran(store, "small.py", 1, 0.5, 0.0);
  for (std::string path : {"bad\xff.py", "nohistory.py"}) {
    std::vector<PlannedFile> items = split_slow_files(suite(store, {path, "small.py"}), store, 4);
    EXPECT_TRUE(parts_of(items, path).empty()) << path;
  }
  std::vector<PlannedFile> files = suite(store, {"big.py", "small.py"});
  files[0].fresh_session = true;
  EXPECT_TRUE(parts_of(split_slow_files(files, store, 4), "big.py").empty());
  files[0].fresh_session = false;
  EXPECT_FALSE(parts_of(split_slow_files(files, store, 4), "big.py").empty());
}

TEST(SplitTest, NoMorePartsThanRunnersOrExamples) {
  TimingStore store;
  ran(store, "big.py", 3, 5.0, 0.0);
  ran(store, "small.py", 1, 0.1, 0.0);
  std::vector<PlannedFile> items = split_slow_files(suite(store, {"big.py", "small.py"}), store, 8);
  EXPECT_EQ(parts_of(items, "big.py").size(), 3u);
  items = split_slow_files(suite(store, {"big.py", "small.py"}), store, 2);
  EXPECT_EQ(parts_of(items, "big.py").size(), 2u);
}

}  // namespace
}  // namespace dt
