#!/usr/bin/env bash
# Projects with no distributest config and no pytest section are still detected, and their
# default globs find their tests (issue 12 item 3): a networkx-style checkout (tests in
# pkg/**/tests/, a conftest.py in the package) and a test-unit gem (tests/units/test_*.rb). A
# project with nothing to go by gets an error that says what was looked for. Runners that all
# fail to start for one reason (a Gemfile Bundler cannot satisfy) show it once, with the fix,
# and the log has their output; so does a module pytest cannot import.
source "$(dirname "$0")/lib.sh"

# networkx-style: no pytest.ini, no [tool.pytest...], conftest.py not at the root.
nx=$WORK/nx
mkdir -p "$nx/pkg/algorithms/tests" "$nx/pkg/classes/tests"
printf '[project]\nname = "pkg"\n[tool.ruff]\nline-length = 88\n' >"$nx/pyproject.toml"
touch "$nx/pkg/__init__.py" "$nx/pkg/algorithms/__init__.py" "$nx/pkg/algorithms/tests/__init__.py"
printf 'import pytest\n\n@pytest.fixture\ndef graph():\n    return {1: [2]}\n' >"$nx/pkg/conftest.py"
printf 'def test_a(graph):\n    assert graph[1] == [2]\n\ndef test_b():\n    assert True\n' \
  >"$nx/pkg/algorithms/tests/test_paths.py"
printf 'def test_c(graph):\n    assert 1 in graph\n' >"$nx/pkg/classes/tests/test_graph.py"
# A virtualenv in the checkout, not hidden: its packages' tests are not the project's.
mkdir -p "$nx/venv/lib/python3/site-packages/dep/tests"
printf 'home = /usr/bin\n' >"$nx/venv/pyvenv.cfg"
printf 'def test_dep():\n    assert False\n' >"$nx/venv/lib/python3/site-packages/dep/tests/test_dep.py"
cd "$nx"
run_dt -n 2 --json "$WORK/nx.json"
assert_rc 0
assert_summary "$WORK/nx.json" 3 0 0 "networkx-style"
[[ $(json_get "$WORK/nx.json" "r['summary']['files']") == 2 ]] || fail "networkx-style: not 2 files"
run_dt --dry-run
assert_out_contains "framework: pytest (detected: found pkg/algorithms/tests/test_paths.py)"
run_dt init
assert_out_contains "framework: pytest (found pkg/algorithms/tests/test_paths.py)"

# A root conftest.py (loaded at start, unlike pkg/conftest.py, which is loaded with each
# file) that cannot import a module: both runners fail to start; the cause is pytest's error
# line, once, not the adapter's closing line.
printf 'import no_such_module_xyz\n' >conftest.py
run_dt -n 2
assert_rc 3
shown=$(grep -cF -- "ModuleNotFoundError: No module named 'no_such_module_xyz'" "$WORK/out" || true)
[[ $shown == 1 ]] || { cat "$WORK/out" >&2; fail "the import error is shown $shown times, wanted once"; }
rm conftest.py

# A test-unit gem: tests/units/test_*.rb, a tests/test_helper.rb, no test/.
tu=$WORK/tu
mkdir -p "$tu/tests/units" "$tu/lib"
printf 'require "test/unit"\n' >"$tu/tests/test_helper.rb"
printf 'require "test_helper"\nclass TestX < Test::Unit::TestCase\n  def test_one; assert_equal 2, 1 + 1; end\n  def test_two; assert_equal 1, 2; end\nend\n' \
  >"$tu/tests/units/test_x.rb"
printf 'require "test_helper"\nclass TestY < Test::Unit::TestCase\n  def test_three; assert true; end\nend\n' \
  >"$tu/tests/units/test_y.rb"
cd "$tu"
run_dt -n 2 --json "$WORK/tu.json"
assert_rc 1
assert_summary "$WORK/tu.json" 3 1 0 "test-unit tests/units"
[[ $(json_get "$WORK/tu.json" "sorted(f['path'] for f in r['files'] if f['examples'])") == \
  "['tests/units/test_x.rb', 'tests/units/test_y.rb']" ]] || fail "test-unit: not the two test files"

# Nothing to go by: the error says what was looked for.
mkdir -p "$WORK/none/src"
echo 'int main() {}' >"$WORK/none/src/main.c"
cd "$WORK/none"
run_dt
assert_rc 2
assert_out_contains "cannot tell which test framework"
assert_out_contains "test_*.rb / *_test.rb under test/ or tests/ (minitest)"

# A Gemfile naming a gem that does not exist: every runner fails to start the same way.
ruby -e 'require "bundler"' 2>/dev/null || { echo "SKIP: Bundler is not available"; exit 77; }
cd "$tu"
printf 'source "https://rubygems.org"\ngem "no_such_gem_xyz"\n' >Gemfile
run_dt -n 2
assert_rc 3
cause="Could not find gem 'no_such_gem_xyz'"
shown=$(grep -cF -- "$cause" "$WORK/out" || true)
[[ $shown == 1 ]] || { cat "$WORK/out" >&2; fail "the cause is shown $shown times, wanted once"; }
assert_out_contains "fix: run \`bundle install\` on that node (node_setup), or set DISTRIBUTEST_NO_BUNDLER=1"
assert_out_contains "2 runners failed to start, as above"
log=$(sed -n 's/^log: //p' "$WORK/out" | tail -n 1)
[[ -f $log ]] || fail "no run log ($log)"
for runner in 1 2; do
  grep -qE "_local_${runner}\] .*Bundler::GemNotFound" "$log" || fail "the log lacks runner $runner's output"
  grep -qE "_local_${runner}\][[:space:]]+from " "$log" || fail "the log lacks runner $runner's backtrace"
done
# Which runner fails first is a race; the other is logged as failing the same way.
grep -qE "_local_[12] failed to start \(exited with status 1\), as runner .*_local_[12] did" "$log" ||
  fail "the log does not say the second runner failed as the first did"

DISTRIBUTEST_NO_BUNDLER=1 run_dt -n 2 --json "$WORK/nb.json"
assert_rc 1
assert_summary "$WORK/nb.json" 3 1 0 "DISTRIBUTEST_NO_BUNDLER=1"
echo "detect: ok"
