#include "runner/adapter.h"

#include <unistd.h>

#include <filesystem>

#include "runner/protocol.h"

namespace dt {

namespace fs = std::filesystem;

namespace {

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

}  // namespace

std::vector<std::string> default_globs(const std::string& framework) {
  if (framework == "rspec") return {"spec/**/*_spec.rb"};
  if (framework == "minitest") {
    return {"test/**/*_test.rb", "test/**/test_*.rb", "tests/**/*_test.rb", "tests/**/test_*.rb"};
  }
  if (framework == "pytest") return {"**/test_*.py", "**/*_test.py"};
  return {};
}

std::string templates_dir() {
  if (const char* env = std::getenv("DISTRIBUTEST_TEMPLATES"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "distributest";
    if (path_exists(installed / "runners")) return installed.string();
  }
#ifdef DISTRIBUTEST_SOURCE_DIR
  return std::string(DISTRIBUTEST_SOURCE_DIR) + "/templates";
#else
  return "templates";
#endif
}

std::vector<std::string> adapter_argv(const std::string& framework,
                                      const std::string& command_template,
                                      const std::string& runners_dir,
                                      const std::vector<std::string>& framework_args) {
  std::vector<std::string> argv{runners_dir + "/" + framework};
  if (framework == "command") {
    argv.push_back(command_template);
    return argv;
  }
  // Each adapter reads these as the framework's own command line (spec/test options).
  argv.insert(argv.end(), framework_args.begin(), framework_args.end());
  return argv;
}

std::string sanitize_id(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

std::map<std::string, std::string> runner_environment(const std::string& runner_id, int index,
                                                      const std::string& node) {
  return {
      {"DISTRIBUTEST_RUNNER_ID", runner_id},
      {"DISTRIBUTEST_RUNNER_INDEX", std::to_string(index)},
      {"DISTRIBUTEST_NODE", node},
      {"DISTRIBUTEST_PROTOCOL", std::to_string(kProtocolVersion)},
      // As parallel_tests sets it, so existing database.yml files work unchanged.
      {"TEST_ENV_NUMBER", index == 1 ? "" : std::to_string(index)},
  };
}

std::vector<std::string> hook_argv(const std::string& project_dir, const std::string& hook,
                                   const std::string& name) {
  if (hook.empty()) return {};
  fs::path as_file = fs::path(project_dir) / hook;
  std::error_code ec;
  if (hook.find_first_of(" \t;|&$<>'\"") == std::string::npos && fs::is_regular_file(as_file, ec)) {
    // Relative, so the same hook runs from a node's copy of the project too.
    return {(fs::path(".") / fs::path(hook).lexically_normal()).string()};
  }
  return {"sh", "-c", hook, name};
}

}  // namespace dt
