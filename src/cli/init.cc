// `distributest init`: a commented project config and the two hook scripts, from templates.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "cli/cli.h"
#include "cli/subcommands.h"
#include "runner/adapter.h"

namespace dt {

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool contains(const fs::path& file, const std::string& needle) {
  std::string text;
  return read_file(file, text) && text.find(needle) != std::string::npos;
}

// The first file matching prefix*suffix under `dir` (recursively), relative to `root`.
std::string first_like(const fs::path& root, const std::string& dir, const std::string& prefix,
                       const std::string& suffix) {
  std::error_code ec;
  fs::recursive_directory_iterator it(root / dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_regular_file(ec) && name.starts_with(prefix) && name.ends_with(suffix) &&
        name.size() >= prefix.size() + suffix.size()) {
      return it->path().lexically_relative(root).string();
    }
  }
  return "";
}

// Why detect_framework() said `framework`, in words (the same checks, in the same order).
std::string detection_reason(const fs::path& root, const std::string& framework) {
  std::error_code ec;
  auto exists = [&](const char* name) { return fs::exists(root / name, ec); };
  if (framework == "rspec") {
    if (exists(".rspec")) return "found .rspec";
    return "found " + first_like(root, "spec", "", "_spec.rb");
  }
  if (framework == "pytest") {
    for (const char* f : {"pytest.ini", "conftest.py"}) {
      if (exists(f)) return std::string("found ") + f;
    }
    if (contains(root / "pyproject.toml", "[tool.pytest")) return "found [tool.pytest...] in pyproject.toml";
    if (contains(root / "setup.cfg", "[tool:pytest]")) return "found [tool:pytest] in setup.cfg";
    if (contains(root / "tox.ini", "[pytest]")) return "found [pytest] in tox.ini";
    for (const char* d : {"tests", "test"}) {
      if (std::string f = first_like(root, d, "test_", ".py"); !f.empty()) return "found " + f;
    }
  }
  if (framework == "minitest") {
    if (std::string f = first_like(root, "test", "", "_test.rb"); !f.empty()) return "found " + f;
    if (std::string f = first_like(root, "test", "test_", ".rb"); !f.empty()) return "found " + f;
  }
  return "detected from the project's files";
}

std::string framework_block(const std::string& project_dir, const std::string& framework) {
  if (framework.empty()) {
    return "# No test framework was detected (no spec/, test/, tests/, pytest.ini, ...), so each\n"
           "# test file is run by a command. {file} stands for the file's path. Set `command`\n"
           "# (and `files`), or change `framework` to rspec, minitest or pytest.\n"
           "framework = \"command\"\n"
           "#command = \"sh {file}\"\n"
           "#files = [\"t/**/*.sh\"]";
  }
  return "# Detected by `distributest init`: " + detection_reason(project_dir, framework) +
         ".\n# One of rspec, minitest, pytest, command, or auto (guess at every run).\n"
         "framework = \"" + framework + "\"\n"
         "# For framework = \"command\": the command that runs one test file, with {file}.\n"
         "#command = \"sh {file}\"";
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

struct Output {
  std::string name;     // relative to the project
  std::string content;
  bool executable;
};

}  // namespace

int init_project(const std::string& project_dir, bool force) {
  fs::path root(project_dir);
  fs::path templates = fs::path(templates_dir()) / "init";
  std::vector<Output> outputs{{".distributest/config.toml", "", false},
                              {".distributest/node_setup", "", true},
                              {".distributest/runner_setup", "", true}};
  for (Output& o : outputs) {
    fs::path source = templates / fs::path(o.name).filename();
    if (!read_file(source, o.content)) {
      std::cerr << "distributest: init: cannot read the template " << source.string()
                << " (set DISTRIBUTEST_TEMPLATES to the templates directory)\n";
      return kExitCannotRun;
    }
  }
  std::string framework = detect_framework(project_dir);
  replace_all(outputs[0].content, "@FRAMEWORK@", framework_block(project_dir, framework));

  // All or nothing: check every target before writing any.
  if (!force) {
    bool refused = false;
    for (const Output& o : outputs) {
      std::error_code ec;
      if (fs::exists(fs::symlink_status(root / o.name, ec))) {
        std::cerr << "distributest: init: " << (root / o.name).string()
                  << " already exists; not overwriting it (use --force to replace it)\n";
        refused = true;
      }
    }
    if (refused) return kExitUsage;
  }
  std::error_code ec;
  fs::create_directories(root / ".distributest", ec);
  if (ec) {
    std::cerr << "distributest: init: cannot create " << (root / ".distributest").string() << ": "
              << ec.message() << "\n";
    return kExitCannotRun;
  }
  for (const Output& o : outputs) {
    fs::path target = root / o.name;
    fs::remove(target, ec);  // --force: replace a file (or a symlink) rather than write through it
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out << o.content;
    out.close();
    if (!out) {
      std::cerr << "distributest: init: cannot write " << target.string() << "\n";
      return kExitCannotRun;
    }
    if (o.executable) ::chmod(target.c_str(), 0755);
    std::cout << "wrote " << o.name << (o.executable ? " (executable)" : "") << "\n";
  }
  if (framework.empty()) {
    std::cout << "no test framework detected: framework = \"command\"; set `command` (e.g. "
                 "\"sh {file}\") in .distributest/config.toml\n";
  } else {
    std::cout << "framework: " << framework << " (" << detection_reason(project_dir, framework)
              << ")\n";
  }
  std::cout << "edit the hooks in .distributest/node_setup and .distributest/runner_setup, then "
               "check with `distributest config`\n";
  return kExitPassed;
}

}  // namespace dt
