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
#include "runner/detect.h"

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

std::string framework_block(const Detection& detected) {
  if (detected.framework.empty()) {
    return "# No test framework was detected (no .rspec or spec/*_spec.rb; no pytest config,\n"
           "# conftest.py or test_*.py / *_test.py; no test_*.rb / *_test.rb under test/ or\n"
           "# tests/), so each test file is run by a command. {file} stands for the file's\n"
           "# path. Set `command` (and `files`), or change `framework` to rspec, minitest or\n"
           "# pytest.\n"
           "framework = \"command\"\n"
           "#command = \"sh {file}\"\n"
           "#files = [\"t/**/*.sh\"]";
  }
  return "# Detected by `distributest init`: " + detected.reason +
         ".\n# One of rspec, minitest, pytest, command, or auto (guess at every run).\n"
         "framework = \"" + detected.framework + "\"\n"
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
  Detection detected = detect_framework(project_dir);
  replace_all(outputs[0].content, "@FRAMEWORK@", framework_block(detected));

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
  if (detected.framework.empty()) {
    std::cout << "no test framework detected: framework = \"command\"; set `command` (e.g. "
                 "\"sh {file}\") in .distributest/config.toml\n";
  } else {
    std::cout << "framework: " << detected.framework << " (" << detected.reason << ")\n";
  }
  std::cout << "edit the hooks in .distributest/node_setup and .distributest/runner_setup, then "
               "check with `distributest config`\n";
  return kExitPassed;
}

}  // namespace dt
