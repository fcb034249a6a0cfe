#include "runner/detect.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "runner/adapter.h"
#include "schedule/plan.h"
#include "util/testing/temp_tree.h"

namespace dt {
namespace {

namespace fs = std::filesystem;
using Files = std::vector<std::string>;

class Project : public TempTree {
 public:
  Project() : TempTree("dt_detect") {}
  void add(const std::string& rel, const std::string& text = "") const { write(rel, text); }
  Detection detect() const { return detect_framework(dir()); }

  // What a run without file arguments would run: the detected framework's default globs.
  Files default_files() const {
    std::string error;
    Files files = discover_files(dir(), {}, default_globs(detect().framework), {}, &error);
    EXPECT_EQ(error, "");
    return files;
  }
};

TEST(DetectTest, ANetworkxStyleCheckoutIsPytestAndItsDefaultGlobsFindItsTests) {
  Project p;  // networkx/conftest.py, networkx/algorithms/tests/test_*.py
  p.add("pyproject.toml", "[project]\nname = \"pkg\"\n[tool.ruff]\n");
  p.add("pkg/conftest.py");
  p.add("pkg/__init__.py");
  p.add("pkg/sub/tests/__init__.py");
  p.add("pkg/sub/tests/test_a.py");
  p.add("pkg/other/tests/test_b.py");
  p.add("doc/conf.py");
  EXPECT_EQ(p.detect().framework, "pytest");
  EXPECT_EQ(p.detect().reason, "found pkg/other/tests/test_b.py");
  EXPECT_EQ(p.default_files(), (Files{"pkg/other/tests/test_b.py", "pkg/sub/tests/test_a.py"}));
}

TEST(DetectTest, AConftestAtTheRootIsPytest) {
  Project p;
  p.add("conftest.py");
  p.add("pyproject.toml", "[project]\nname = \"pkg\"\n");
  p.add("pkg/__init__.py");
  p.add("pkg/sub/tests/test_a.py");
  p.add("pkg/sub/tests/helpers.py");
  p.add("pkg/other/b_test.py");
  EXPECT_EQ(p.detect().framework, "pytest");
  EXPECT_EQ(p.detect().reason, "found conftest.py");
  EXPECT_EQ(p.default_files(), (Files{"pkg/other/b_test.py", "pkg/sub/tests/test_a.py"}));
}

TEST(DetectTest, PytestFromTestFilesAnywhereWithoutAnyConfig) {
  Project p;
  p.add("pyproject.toml", "[project]\nname = \"pkg\"\n");
  p.add("pkg/sub/tests/test_a.py");
  EXPECT_EQ(p.detect().framework, "pytest");
  EXPECT_EQ(p.detect().reason, "found pkg/sub/tests/test_a.py");
  EXPECT_EQ(p.default_files(), (Files{"pkg/sub/tests/test_a.py"}));
}

TEST(DetectTest, TestFilesInVirtualenvsBuildOutputAndHiddenDirsDoNotCount) {
  Project p;
  p.add("venv/pyvenv.cfg");
  p.add("venv/lib/python3/site-packages/x/tests/test_x.py");
  p.add("build/lib/pkg/tests/test_a.py");
  p.add(".tox/py3/test_b.py");
  p.add("node_modules/m/test_c.py");
  p.add("vendor/bundle/ruby/gems/g/test/test_g.rb");
  Detection d = p.detect();
  EXPECT_EQ(d.framework, "");
  EXPECT_NE(d.reason.find("test_*.py / *_test.py"), std::string::npos) << d.reason;
}

TEST(DetectTest, ATestUnitGemWithTestsUnitsIsMinitestAndItsDefaultGlobsFindIt) {
  Project p;
  p.add("Gemfile");
  p.add("lib/g.rb");
  p.add("tests/units/test_x.rb");
  p.add("tests/units/y_test.rb");
  EXPECT_EQ(p.detect().framework, "minitest");
  EXPECT_EQ(p.detect().reason, "found tests/units/test_x.rb");
  EXPECT_EQ(p.default_files(), (Files{"tests/units/test_x.rb", "tests/units/y_test.rb"}));
}

TEST(DetectTest, TheExistingPrecedenceHolds) {
  Project both;
  both.add("spec/a_spec.rb");
  both.add("conftest.py");
  EXPECT_EQ(both.detect().framework, "rspec") << "RSpec's spec/ comes first";
  Project ini;
  ini.add("tox.ini", "[pytest]\n");
  ini.add("test/a_test.rb");
  EXPECT_EQ(ini.detect().framework, "pytest") << "a pytest section is explicit";
  EXPECT_EQ(ini.detect().reason, "found [pytest] in tox.ini");
  Project py_in_tests;
  py_in_tests.add("tests/test_a.py");
  py_in_tests.add("test/b_test.rb");
  EXPECT_EQ(py_in_tests.detect().framework, "pytest") << "Python tests in tests/ as before";
  Project ruby_gem_with_script;
  ruby_gem_with_script.add("test/b_test.rb");
  ruby_gem_with_script.add("tools/test_release.py");
  EXPECT_EQ(ruby_gem_with_script.detect().framework, "minitest")
      << "a Ruby test under test/ outweighs a stray Python file elsewhere";
}

TEST(DetectTest, NothingFoundSaysWhatWasLookedFor) {
  Project p;
  p.add("README.md");
  p.add("src/main.c");
  p.add("lib/test_helper.rb");  // not under test/ or tests/
  Detection d = p.detect();
  EXPECT_EQ(d.framework, "");
  for (const char* looked_for :
       {".rspec", "spec/**/*_spec.rb", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini",
        "conftest.py", "test_*.py", "*_test.py", "test_*.rb", "*_test.rb", "test/ or tests/"}) {
    EXPECT_NE(d.reason.find(looked_for), std::string::npos) << looked_for << " in " << d.reason;
  }
  EXPECT_EQ(d.reason.find("stopped after"), std::string::npos) << d.reason;
}

TEST(DetectTest, ASearchCutShortSaysSo) {
  Project p;
  for (int i = 0; i < 30; ++i) p.add("a/f" + std::to_string(i));
  p.add("z/deeper/test_late.py");
  Detection d = detect_framework(p.dir(), 20);
  EXPECT_EQ(d.framework, "");
  EXPECT_NE(d.reason.find("stopped after 20 entries"), std::string::npos) << d.reason;
  EXPECT_EQ(detect_framework(p.dir(), 100).framework, "pytest");
}

}  // namespace
}  // namespace dt
