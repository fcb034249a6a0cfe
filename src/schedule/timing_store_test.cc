#include "schedule/timing_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

namespace dt {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "dt_timings_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(TimingStoreTest, SerializesSortedByPathWithThreeDecimals) {
  TimingStore store;
  store.record("spec/b_spec.rb", 2);
  store.record("spec/a_spec.rb", 1.23456);
  store.record("spec/c_spec.rb", 0.0004);
  EXPECT_EQ(store.serialize(),
            "# distributest timings v2\n"
            "1.235\t1\t-\t0.000\tspec/a_spec.rb\n"
            "2.000\t1\t-\t0.000\tspec/b_spec.rb\n"
            "0.000\t1\t-\t0.000\tspec/c_spec.rb\n");
}

TEST(TimingStoreTest, SmoothsWithHalfWeightOnTheNewMeasurement) {
  TimingStore store;
  store.record("a", 4);
  ASSERT_NE(store.find("a"), nullptr);
  EXPECT_DOUBLE_EQ(store.find("a")->seconds, 4);
  EXPECT_EQ(store.find("a")->runs, 1);
  store.record("a", 2);
  EXPECT_DOUBLE_EQ(store.find("a")->seconds, 3);
  store.record("a", 7);
  EXPECT_DOUBLE_EQ(store.find("a")->seconds, 5);
  EXPECT_EQ(store.find("a")->runs, 3);
  EXPECT_EQ(store.find("b"), nullptr);
}

TEST(TimingStoreTest, IgnoresNonFiniteAndClampsNegativeMeasurements) {
  TimingStore store;
  store.record("a", std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(store.find("a"), nullptr);
  store.record("a", -3);
  ASSERT_NE(store.find("a"), nullptr);
  EXPECT_DOUBLE_EQ(store.find("a")->seconds, 0);
}

TEST(TimingStoreTest, RoundTripsAnyBytesInPathsAndRunnerIds) {
  const std::vector<std::string> paths = {
      "plain_spec.rb", "tab\there", "new\nline", "back\\slash", "cr\rhere",
      "\\t literally", "trailing\\", "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac_spec.rb",
      "invalid\xff\xfeutf8", "# last run", "1.000\t1\tfake", "ends_in_cr\r",
      "ends_in_tab\t", " spaced "};
  TimingStore store;
  double seconds = 1;
  for (const std::string& path : paths) store.record(path, seconds++);
  store.set_last_run({{"devbox_local_1", {{"new\nline"}, {"tab\there"}}},
                      {"node\t2", {{"back\\slash"}}}});

  TimingStore loaded;
  ASSERT_EQ(loaded.parse(store.serialize()), "");
  ASSERT_EQ(loaded.timings().size(), paths.size());
  for (const std::string& path : paths) {
    ASSERT_NE(loaded.find(path), nullptr) << path;
    EXPECT_DOUBLE_EQ(loaded.find(path)->seconds, store.find(path)->seconds) << path;
    EXPECT_EQ(loaded.find(path)->runs, 1);
  }
  EXPECT_EQ(loaded.last_run(), store.last_run());
  EXPECT_EQ(loaded.serialize(), store.serialize());
}

TEST(TimingStoreTest, WritesLastRunSectionWithRunnersSortedAndFilesInRunOrder) {
  TimingStore store;
  store.record("a", 1);
  store.set_last_run({{"r2", {{"z"}, {"a"}}}, {"r1", {{"m"}}}, {"idle", {}}});
  EXPECT_EQ(store.serialize(),
            "# distributest timings v2\n"
            "1.000\t1\t-\t0.000\ta\n"
            "# last run\n"
            "r1\tm\n"
            "r2\tz\n"
            "r2\ta\n");
  TimingStore nothing_run;
  nothing_run.set_last_run({{"idle", {}}});
  EXPECT_EQ(nothing_run.serialize(), "# distributest timings v2\n");
}

TEST(TimingStoreTest, AcceptsCrlfLineEndings) {
  TimingStore store;
  ASSERT_EQ(store.parse("# distributest timings v1\r\n1.500\t2\ta\r\n# last run\r\nr1\ta\r\n"),
            "");
  ASSERT_NE(store.find("a"), nullptr);
  EXPECT_DOUBLE_EQ(store.find("a")->seconds, 1.5);
  EXPECT_EQ(store.find("a")->runs, 2);
  EXPECT_EQ(store.last_run().at("r1"), std::vector<WorkItem>{{"a"}});
}

TEST(TimingStoreTest, RejectsMalformedTextAndSaysWhichLine) {
  const std::string header = "# distributest timings v1\n";
  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", "line 1: corrupt timing store (empty file)"},
      {"1.0\t1\ta\n", "line 1: corrupt timing store (missing the"},
      {"# distributest timings v0\n", "line 1: timing store format v0 is not supported"},
      {header + "1.0\t1\ta\nabc\t1\tb\n", "line 3: corrupt timing store (bad seconds 'abc')"},
      {header + "inf\t1\ta\n", "line 2: corrupt timing store (bad seconds"},
      {header + "-1.0\t1\ta\n", "line 2: corrupt timing store (bad seconds"},
      {header + "1e3\t1\ta\n", "line 2: corrupt timing store (bad seconds"},
      {header + "1.0\t0\ta\n", "line 2: corrupt timing store (bad run count '0')"},
      {header + "1.0\tx\ta\n", "line 2: corrupt timing store (bad run count"},
      {header + "1.0\t1\n", "line 2: corrupt timing store (expected"},
      {header + "1.0\t1\ta\tb\n", "line 2: corrupt timing store (expected"},
      {header + "1.0\t1\t\n", "line 2: corrupt timing store (empty path)"},
      {header + "1.0\t1\ta\\x\n", "line 2: corrupt timing store (bad escape"},
      {header + "1.0\t1\ta\\\n", "line 2: corrupt timing store (bad escape"},
      {header + "1.0\t1\ta\n2.0\t1\ta\n", "line 3: corrupt timing store (duplicate"},
      {header + "\n", "line 2: corrupt timing store (expected"},
      {header + "# last run\nr1 a\n", "line 3: corrupt timing store (expected <runner>"},
      {header + "# last run\n# last run\n", "line 3: corrupt timing store (second"},
  };
  for (const Case& c : cases) {
    TimingStore store;
    store.record("stale", 1);
    std::string error = store.parse(c.text);
    EXPECT_TRUE(error.starts_with(c.error)) << "text: " << c.text << "\nerror: " << error;
    EXPECT_TRUE(store.timings().empty()) << c.text;
    EXPECT_TRUE(store.last_run().empty()) << c.text;
  }
}

TEST(TimingStoreTest, MissingFileIsAnEmptyStoreWithoutWarning) {
  TempDir dir;
  std::string warning = "stale";
  TimingStore store = TimingStore::load((dir.path() / "nope").string(), &warning);
  EXPECT_TRUE(store.timings().empty());
  EXPECT_EQ(warning, "");
}

TEST(TimingStoreTest, CorruptFileLoadsEmptyWithAWarningNamingTheLine) {
  TempDir dir;
  fs::path file = dir.path() / "timings";
  write_file(file, "# distributest timings v1\n1.000\t1\ta\n1.0\tboom\tb\n");
  std::string warning;
  TimingStore store = TimingStore::load(file.string(), &warning);
  EXPECT_TRUE(store.timings().empty());
  EXPECT_EQ(warning, file.string() +
                         ":3: corrupt timing store (bad run count 'boom'); it will be rebuilt");
}

TEST(TimingStoreTest, OtherVersionLoadsEmptyWithAWarning) {
  TempDir dir;
  fs::path file = dir.path() / "timings";
  write_file(file, "# distributest timings v3\n{\"a\": 1}\n");
  std::string warning;
  TimingStore store = TimingStore::load(file.string(), &warning);
  EXPECT_TRUE(store.timings().empty());
  EXPECT_EQ(warning, file.string() +
                         ":1: timing store format v3 is not supported (this distributest reads "
                         "v1 and v2); it will be rebuilt");
}

TEST(TimingStoreTest, UnreadablePathLoadsEmptyWithAWarning) {
  TempDir dir;
  std::string warning;
  TimingStore store = TimingStore::load(dir.path().string(), &warning);
  EXPECT_TRUE(store.timings().empty());
  EXPECT_NE(warning.find("cannot read the timing store"), std::string::npos) << warning;
}

TEST(TimingStoreTest, SaveCreatesTheDirectoryAndLoadReadsItBack) {
  TempDir dir;
  fs::path file = dir.path() / "a" / "b" / "timings";
  TimingStore store;
  store.record("spec/x_spec.rb", 1.5);
  store.set_last_run({{"r1", {{"spec/x_spec.rb"}}}});
  ASSERT_EQ(store.save(file.string()), "");
  EXPECT_EQ(read_file(file), store.serialize());

  std::string warning;
  TimingStore loaded = TimingStore::load(file.string(), &warning);
  EXPECT_EQ(warning, "");
  ASSERT_NE(loaded.find("spec/x_spec.rb"), nullptr);
  EXPECT_DOUBLE_EQ(loaded.find("spec/x_spec.rb")->seconds, 1.5);
  EXPECT_EQ(loaded.last_run(), store.last_run());
}

TEST(TimingStoreTest, SaveReplacesAtomicallyAndLeavesNoTempFile) {
  TempDir dir;
  fs::path file = dir.path() / "timings";
  write_file(file, "old contents\n");
  chmod(file.c_str(), 0640);
  // Another name for the old file: rename() swaps the directory entry and leaves the old inode
  // untouched, whereas writing in place would change what this link sees.
  fs::path old_link = dir.path() / "old";
  fs::create_hard_link(file, old_link);

  TimingStore store;
  store.record("a", 1);
  ASSERT_EQ(store.save(file.string()), "");
  EXPECT_EQ(read_file(file), store.serialize());
  EXPECT_EQ(read_file(old_link), "old contents\n");
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);

  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"old", "timings"}));
}

// Found in review: a new store was 0644 whatever the umask said.
TEST(TimingStoreTest, NewFileGetsTheModeTheUmaskGives) {
  for (mode_t mask : {022, 027, 077}) {
    TempDir dir;
    fs::path file = dir.path() / "timings";
    mode_t old_mask = ::umask(mask);
    std::string error = TimingStore().save(file.string());
    ::umask(old_mask);
    ASSERT_EQ(error, "");
    EXPECT_EQ(static_cast<mode_t>(fs::status(file).permissions() & fs::perms::all), 0666 & ~mask)
        << "umask " << std::oct << mask;
  }
}

TEST(TimingStoreTest, ExistingFileKeepsItsMode) {
  TempDir dir;
  fs::path file = dir.path() / "timings";
  write_file(file, "");
  fs::permissions(file, static_cast<fs::perms>(0664));
  ASSERT_EQ(TimingStore().save(file.string()), "");
  EXPECT_EQ(static_cast<int>(fs::status(file).permissions() & fs::perms::all), 0664);
}

TEST(TimingStoreTest, SaveReportsAnErrorWhenTheDirectoryCannotBeCreated) {
  TempDir dir;
  write_file(dir.path() / "file", "x");
  std::string error = TimingStore().save((dir.path() / "file" / "timings").string());
  EXPECT_NE(error, "");
  EXPECT_FALSE(fs::exists(dir.path() / "file" / "timings"));
}

TEST(TimingStoreTest, PruneDropsFilesThatNoLongerExist) {
  TimingStore store;
  store.record("keep", 1);
  store.record("gone", 2);
  store.record("also_keep", 3);
  store.prune([](const std::string& file) { return file != "gone"; });
  EXPECT_EQ(store.find("gone"), nullptr);
  EXPECT_NE(store.find("keep"), nullptr);
  EXPECT_NE(store.find("also_keep"), nullptr);
  EXPECT_EQ(store.timings().size(), 2u);
}



TEST(TimingStoreTest, ReadsVersion1) {
  TimingStore store;
  ASSERT_EQ(store.parse("# distributest timings v1\n1.500\t2\ta\n# last run\nr1\ta\n"), "");
  ASSERT_NE(store.find("a"), nullptr);
  EXPECT_DOUBLE_EQ(store.find("a")->seconds, 1.5);
  EXPECT_EQ(store.find("a")->examples, -1);
  EXPECT_EQ(store.last_run().at("r1"), std::vector<WorkItem>{{"a"}});
  // v1 has no examples section and two-field last-run lines only.
  EXPECT_NE(store.parse("# distributest timings v1\n1.500\t2\ta\n# examples\n"), "");
  EXPECT_NE(store.parse("# distributest timings v1\n1.500\t2\t3\t0.100\ta\n"), "");
}


TEST(TimingStoreTest, LastRunPartsRoundTripWithTheirIds) {
  TimingStore store;
  store.record("a b.py", 1);
  Selection only{Selection::Kind::kOnly, {"a b.py::t[x\ty]", "a b.py::u"}, 1, 2};
  Selection except{Selection::Kind::kExcept, {"a b.py::t[x\ty]", "a b.py::u"}, 2, 2};
  store.set_last_run({{"r1", {{"a b.py", only}, {"other.py"}}}, {"r2", {{"a b.py", except}}}});
  std::string text = store.serialize();
  EXPECT_NE(text.find("r1\ta b.py\t1/2\tonly\ta b.py::t[x\\ty]\ta b.py::u\n"), std::string::npos)
      << text;
  TimingStore loaded;
  ASSERT_EQ(loaded.parse(text), "");
  EXPECT_EQ(loaded.last_run(), store.last_run());
  EXPECT_NE(loaded.parse("# distributest timings v2\n# last run\nr1\ta\t3/2\tonly\tx\n"), "");
  EXPECT_NE(loaded.parse("# distributest timings v2\n# last run\nr1\ta\t1/2\tsome\tx\n"), "");
  EXPECT_NE(loaded.parse("# distributest timings v2\n# examples\na\t1.000\tx\n"), "")
      << "examples of a file with no line";
}



}  // namespace
}  // namespace dt
