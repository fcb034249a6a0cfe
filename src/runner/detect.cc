#include "runner/detect.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "util/dir_walk.h"

namespace dt {

namespace fs = std::filesystem;

namespace {

bool file_contains(const fs::path& p, const std::string& needle) {
  std::ifstream in(p);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find(needle) != std::string::npos;
}

bool named_like(const std::string& name, const std::string& prefix, const std::string& suffix) {
  return name.size() >= prefix.size() + suffix.size() && name.starts_with(prefix) &&
         name.ends_with(suffix);
}

std::string file_name(const std::string& rel) {
  std::size_t slash = rel.rfind('/');
  return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

// pytest's own default python_files.
bool python_test(const std::string& rel) {
  std::string name = file_name(rel);
  return named_like(name, "test_", ".py") || named_like(name, "", "_test.py");
}

bool ruby_test(const std::string& rel) {
  std::string name = file_name(rel);
  return named_like(name, "test_", ".rb") || named_like(name, "", "_test.rb");
}

// Trees whose test files are not the project's: tools' state (hidden), installed packages
// (node_modules, virtualenvs, vendored gems) and build output, which holds copies.
DirWalk detection_walk(const fs::path& root, std::size_t max_entries) {
  DirWalk walk;
  walk.max_entries = max_entries;
  walk.skip_dir = [root](const std::string& name, const std::string& rel) {
    static const char* const kSkipped[] = {"node_modules", "__pycache__", "site-packages",
                                           "vendor",       "build",       "dist",
                                           "_build",       "target"};
    if (name.starts_with(".") || name.ends_with(".egg-info")) return true;
    for (const char* skipped : kSkipped) {
      if (name == skipped) return true;
    }
    std::error_code ec;
    return fs::exists(root / rel / "pyvenv.cfg", ec);  // a virtualenv, whatever its name
  };
  return walk;
}

struct Found {
  std::string file;     // the first match, relative to the project root
  bool capped = false;  // the search stopped at its bound
};

using Wanted = bool (*)(const std::string& rel);

// The first file under `dir` (relative to `root`, "" for all of it) that `wanted` accepts.
Found first_file(const fs::path& root, const std::string& dir, Wanted wanted, std::size_t max) {
  Found found;
  fs::path start = dir.empty() ? root : root / dir;
  WalkEnd end = walk_files(start.string(), detection_walk(start, max), [&](const std::string& rel) {
    if (!wanted(rel)) return true;
    found.file = dir.empty() ? rel : dir + "/" + rel;
    return false;
  });
  found.capped = end == WalkEnd::kCapped;
  return found;
}

// The first in test/, then in tests/.
Found first_in_test_dirs(const fs::path& root, Wanted wanted, std::size_t max) {
  Found any;
  for (const char* dir : {"test", "tests"}) {
    Found f = first_file(root, dir, wanted, max);
    if (!f.file.empty()) return f;
    any.capped |= f.capped;
  }
  return any;
}

std::optional<std::string> pytest_config(const fs::path& root) {
  std::error_code ec;
  if (fs::exists(root / "pytest.ini", ec)) return "found pytest.ini";
  if (file_contains(root / "pyproject.toml", "[tool.pytest")) {
    return "found [tool.pytest...] in pyproject.toml";
  }
  if (file_contains(root / "setup.cfg", "[tool:pytest]")) return "found [tool:pytest] in setup.cfg";
  if (file_contains(root / "tox.ini", "[pytest]")) return "found [pytest] in tox.ini";
  if (fs::exists(root / "conftest.py", ec)) return "found conftest.py";
  return std::nullopt;
}

std::string nothing_found(bool capped, std::size_t max) {
  std::string looked =
      "looked for .rspec or spec/**/*_spec.rb (rspec); pytest.ini, a pytest section in "
      "pyproject.toml, setup.cfg or tox.ini, conftest.py, or test_*.py / *_test.py files "
      "(pytest); test_*.rb / *_test.rb under test/ or tests/ (minitest)";
  if (capped) {
    looked += "; a search stopped after " + std::to_string(max) +
              " entries, so a test file deeper in a large tree may have been missed";
  }
  return looked;
}

}  // namespace

Detection detect_framework(const std::string& project_dir, std::size_t max_entries) {
  fs::path root(project_dir);
  std::error_code ec;
  if (fs::exists(root / ".rspec", ec)) return {"rspec", "found .rspec"};
  auto spec = [](const std::string& rel) { return named_like(file_name(rel), "", "_spec.rb"); };
  Found specs = first_file(root, "spec", +spec, max_entries);
  if (!specs.file.empty()) return {"rspec", "found " + specs.file};
  if (std::optional<std::string> why = pytest_config(root)) return {"pytest", *why};
  // Python tests in test/ win over Ruby ones, as they always did; a Python file elsewhere
  // (a script in a gem) is weaker evidence than a Ruby test file under test/.
  Found py = first_in_test_dirs(root, python_test, max_entries);
  if (!py.file.empty()) return {"pytest", "found " + py.file};
  Found rb = first_in_test_dirs(root, ruby_test, max_entries);
  if (!rb.file.empty()) return {"minitest", "found " + rb.file};
  Found anywhere = first_file(root, "", python_test, max_entries);
  if (!anywhere.file.empty()) return {"pytest", "found " + anywhere.file};
  return {"",
          nothing_found(specs.capped || py.capped || rb.capped || anywhere.capped, max_entries)};
}

}  // namespace dt
