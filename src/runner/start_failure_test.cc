#include "runner/start_failure.h"

#include <gtest/gtest.h>

namespace dt {
namespace {

const char kBundlerTrace[] =
    "/usr/lib/ruby/3.1.0/bundler/resolver.rb:269:in `block in verify_gemfile_dependencies_are_"
    "found!': Could not find gem 'no_such_gem_xyz' in locally installed gems. "
    "(Bundler::GemNotFound)\n"
    "\tfrom /usr/lib/ruby/3.1.0/bundler/resolver.rb:252:in `map!'\n"
    "\tfrom -e:1:in `<main>'\n";

TEST(StartFailureTest, BundlerThatCannotFindAGemIsNamedWithItsFix) {
  StartFailure f = explain_start_failure(kBundlerTrace, "exited with status 1");
  EXPECT_EQ(
      f.cause,
      "Could not find gem 'no_such_gem_xyz' in locally installed gems. (Bundler::GemNotFound)");
  EXPECT_NE(f.fix.find("bundle install"), std::string::npos);
  EXPECT_NE(f.fix.find("DISTRIBUTEST_NO_BUNDLER=1"), std::string::npos);
}

TEST(StartFailureTest, BundlerResolutionFailuresAndItsAdviceAreRecognised) {
  StartFailure conflict = explain_start_failure(
      "Bundler could not find compatible versions for gem \"rack\":\n  In Gemfile:\n",
      "exited with status 1");
  EXPECT_EQ(conflict.cause, "Bundler could not find compatible versions for gem \"rack\":");
  EXPECT_FALSE(conflict.fix.empty());
  StartFailure advice = explain_start_failure("Run `bundle install` to install missing gems.\n",
                                              "exited with status 1");
  EXPECT_EQ(advice.cause, "Bundler: Run `bundle install` to install missing gems.");
  EXPECT_FALSE(advice.fix.empty());
}

TEST(StartFailureTest, APythonTracebackGivesItsLastLine) {
  StartFailure f = explain_start_failure(
      "Traceback (most recent call last):\n"
      "  File \"/x/conftest.py\", line 1, in <module>\n"
      "    import numpy\n"
      "ModuleNotFoundError: No module named 'numpy'\n\n",
      "exited with status 1");
  EXPECT_EQ(f.cause, "ModuleNotFoundError: No module named 'numpy'");
  EXPECT_EQ(f.fix, "");
}

TEST(StartFailureTest, PytestsErrorLineOutweighsTheAdaptersClosingLine) {
  StartFailure f = explain_start_failure(
      "ImportError while loading conftest '/srv/p@n1/conftest.py'.\n"
      "conftest.py:1: in <module>\n"
      "    import no_such_module_xyz\n"
      "E   ModuleNotFoundError: No module named 'no_such_module_xyz'\n"
      "distributest: loading the project with pytest failed (exit code 4)\n",
      "exited with status 1");
  EXPECT_EQ(f.cause, "ModuleNotFoundError: No module named 'no_such_module_xyz'");
  EXPECT_EQ(explain_start_failure("distributest: loading the project failed (see above)\n",
                                  "exited with status 1")
                .cause,
            "distributest: loading the project failed (see above)");
}

TEST(StartFailureTest, ARubyErrorLosesItsLocationNotItsMessage) {
  StartFailure f = explain_start_failure(
      "/srv/x@n1/spec/spec_helper.rb:3:in `require': cannot load such file -- webmock "
      "(LoadError)\n\tfrom /srv/x@n1/spec/spec_helper.rb:3:in `<top (required)>'\n",
      "exited with status 1");
  EXPECT_EQ(f.cause, "cannot load such file -- webmock (LoadError)");
}

TEST(StartFailureTest, NoOutputGivesHowItEnded) {
  EXPECT_EQ(explain_start_failure("", "killed by signal 9 (SIGKILL)").cause,
            "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(explain_start_failure("\n  \n", "exited with status 2").cause, "exited with status 2");
  EXPECT_EQ(explain_start_failure("   only indented\n", "exited with status 2").cause,
            "only indented");
}

}  // namespace
}  // namespace dt
