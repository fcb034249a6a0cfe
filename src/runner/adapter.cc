#include "runner/adapter.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runner/protocol.h"

namespace dt {

namespace fs = std::filesystem;

namespace {

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

bool file_contains(const fs::path& p, const std::string& needle) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find(needle) != std::string::npos;
}

// Whether `dir` holds (at any depth) a file whose name matches `prefix*suffix`.
bool has_file_like(const fs::path& dir, const std::string& prefix, const std::string& suffix) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (fs::recursive_directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() >= prefix.size() + suffix.size() && name.starts_with(prefix) &&
        name.ends_with(suffix)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string detect_framework(const std::string& project_dir) {
  fs::path root(project_dir);
  if (path_exists(root / ".rspec") || has_file_like(root / "spec", "", "_spec.rb")) return "rspec";
  if (path_exists(root / "pytest.ini") || path_exists(root / "conftest.py") ||
      (path_exists(root / "pyproject.toml") && file_contains(root / "pyproject.toml", "[tool.pytest")) ||
      (path_exists(root / "setup.cfg") && file_contains(root / "setup.cfg", "[tool:pytest]")) ||
      (path_exists(root / "tox.ini") && file_contains(root / "tox.ini", "[pytest]")) ||
      has_file_like(root / "tests", "test_", ".py") || has_file_like(root / "test", "test_", ".py")) {
    return "pytest";
  }
  if (has_file_like(root / "test", "", "_test.rb") || has_file_like(root / "test", "test_", ".rb")) {
    return "minitest";
  }
  return "";
}

std::vector<std::string> default_globs(const std::string& framework) {
  if (framework == "rspec") return {"spec/**/*_spec.rb"};
  if (framework == "minitest") return {"test/**/*_test.rb", "test/**/test_*.rb"};
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
