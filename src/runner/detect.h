// How a project's test framework is told from its files when neither the command line nor the
// config names one (framework = "auto", the default).
#pragma once

#include <cstddef>
#include <string>

namespace dt {

struct Detection {
  std::string framework;  // "rspec", "minitest", "pytest", or "" when nothing says
  // Why, for people: "found pkg/tests/test_a.py"; when nothing was found, what was looked for.
  std::string reason;
};

// In this order, the first that holds:
//   rspec     a .rspec file, or *_spec.rb files under spec/
//   pytest    pytest.ini, a pytest section in pyproject.toml, setup.cfg or tox.ini, or a
//             conftest.py at the root
//   pytest    test_*.py or *_test.py files under test/ or tests/
//   minitest  test_*.rb or *_test.rb files under test/ or tests/
//   pytest    test_*.py or *_test.py files anywhere else
// Every search is bounded (`max_entries` entries each) and leaves out hidden
// directories (.git, .tox, .venv), node_modules, __pycache__, virtualenvs, build output and
// vendored code, so a big checkout is answered quickly. The default globs (default_globs())
// find every file a detection names.
inline constexpr std::size_t kDetectionMaxEntries = 20000;
Detection detect_framework(const std::string& project_dir,
                           std::size_t max_entries = kDetectionMaxEntries);

}  // namespace dt
