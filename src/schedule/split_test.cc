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
    f.cases().push_back(c);
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

TEST(SplitTest, PartsFillTheGapsTheOtherFilesLeaveWhenEqualPartsWouldEndUnevenly) {
  // 300 examples of 0.1 s beside 11 files of 2.5 s, on 6 runners. Equal parts end unevenly:
  // 3 of 10 s leave the 11 files 4, 4 and 3 to a runner (10.2 s), 6 of 5 s leave one runner
  // with 1 file and the others with 2 (10.2 s). Parts that fill every runner to one level
  // (7.1 s beside 1 file, 4.6 s beside 2) end at the even share: 9.78 s with the set-ups.
  TimingStore store;
  ran(store, "big_spec.rb", 300, 0.1, 0.2);
  std::vector<std::string> paths{"big_spec.rb"};
  for (int i = 0; i < 11; ++i) {
    paths.push_back("small" + std::to_string(i) + "_spec.rb");
    ran(store, paths.back(), 10, 0.25, 0.0);
  }
  std::vector<PlannedFile> items = split_slow_files(suite(store, paths), store, 6);
  std::vector<const PlannedFile*> parts = parts_of(items, "big_spec.rb");
  ASSERT_GE(parts.size(), 2u);
  double makespan = predicted_makespan(items, 6);
  EXPECT_LT(makespan, 9.95) << parts.size() << " parts";
  double total = 0;
  for (const PlannedFile& item : items) total += item.expected_seconds;
  EXPECT_LT(makespan, total / 6 * 1.02);
  // Unequal parts still run every example once: the only lists are disjoint and the except
  // part excludes exactly them.
  std::set<std::string> only;
  std::size_t listed = 0;
  std::set<std::string> excepted;
  for (const PlannedFile* p : parts) {
    if (p->selection.kind == Selection::Kind::kExcept) {
      excepted.insert(p->selection.ids.begin(), p->selection.ids.end());
    } else {
      listed += p->selection.ids.size();
      only.insert(p->selection.ids.begin(), p->selection.ids.end());
    }
  }
  EXPECT_EQ(only.size(), listed);
  EXPECT_EQ(excepted, only);
  EXPECT_LT(only.size(), 300u);
}

TEST(SplitTest, APlanWithoutRoomForThePartsIsSplitAsOneWithRoom) {
  // merge_head grows the plan in place when it has room and merges into a new vector when it
  // has none (a caller's exact-size copy, as dry_run's): both must give one order. (The parts
  // here, 4.2 s, tie with no other file: the tie rule is std::merge's, first range first.)
  TimingStore store;
  ran(store, "big.py", 12, 1.0, 0.2);
  std::vector<std::string> paths{"big.py"};
  for (int i = 0; i < 6; ++i) {
    paths.push_back("s" + std::to_string(i) + ".py");
    ran(store, paths.back(), 2, 0.5, 0.1);
  }
  std::vector<PlannedFile> exact = suite(store, paths);
  exact.shrink_to_fit();
  std::vector<PlannedFile> roomy = suite(store, paths);
  roomy.reserve(roomy.size() + 16);
  std::vector<PlannedFile> a = split_slow_files(exact, store, 4);
  std::vector<PlannedFile> b = split_slow_files(std::move(roomy), store, 4);
  ASSERT_FALSE(parts_of(a, "big.py").empty());
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path) << i;
    EXPECT_EQ(a[i].expected_seconds, b[i].expected_seconds) << i;
    EXPECT_EQ(a[i].selection.ids, b[i].selection.ids) << i;
  }
}

}  // namespace
}  // namespace dt
