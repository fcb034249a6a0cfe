#!/usr/bin/env bash
# Adapter edge cases found in review, each checked against the framework's own serial run:
#  - a test that forks a child which exits (rspec, minitest, pytest): the child must not take
#    over the runner (answer later paths, write records);
#  - pytest: a failure message holding bytes that are not UTF-8 stays a failure (the record
#    must stay readable); the `cache` fixture works; a nested pyproject.toml does not replace
#    the config file serial pytest uses;
#  - the command adapter: a quoted {file} is refused with a clear error.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export DISTRIBUTEST_PYTHON=$PY PYTHONDONTWRITEBYTECODE=1

# --- rspec: spec/fork_spec.rb forks; the child exits. Serial rspec: 3 examples, 0 failures.
project=$WORK/rspec-fork
mkdir -p "$project/spec"
cd "$project"
cat > spec/fork_spec.rb <<'RB'
RSpec.describe "fork" do
  it "forks a child that exits" do
    pid = fork
    exit 0 if pid.nil?
    Process.wait(pid)
    expect($?.success?).to be true
  end
end
RB
for f in b c; do printf 'RSpec.describe "%s" do\n  it("runs") { expect(1).to eq 1 }\nend\n' "$f" > "spec/${f}_spec.rb"; done
run_dt -n 1 --in-order --json report.json spec/fork_spec.rb spec/c_spec.rb spec/b_spec.rb
assert_rc 0
assert_summary report.json 3 0 0 "rspec fork"
[[ $(json_get report.json "[f['status'] for f in r['files'] if f['path'] == 'spec/fork_spec.rb'][0]") == passed ]] ||
  fail "rspec: fork_spec.rb: $(json_get report.json "[f['error'] for f in r['files']]")"
echo "ok: rspec: a forked child's exit does not take over the runner"

# --- rspec: `filter_run_when_matching :focus` with a `fit` in one file must not filter out the
#     files after it on the same runner (they ran 0 examples and "passed", hiding a failure).
#     Focus then applies within its own file (serial rspec would run only focused examples of
#     the whole suite: a distributed run cannot see the whole suite at once).
project=$WORK/rspec-focus
mkdir -p "$project/spec"
cd "$project"
printf -- '--require spec_helper\n' > .rspec
printf 'RSpec.configure { |c| c.filter_run_when_matching :focus }\n' > spec/spec_helper.rb
printf 'RSpec.describe "a" do\n  fit("focused") { expect(1).to eq 1 }\n  it("unfocused") { expect(1).to eq 1 }\nend\n' > spec/a_spec.rb
printf 'RSpec.describe "b" do\n  it("fails") { expect(1).to eq 2 }\nend\n' > spec/b_spec.rb
run_dt -n 1 --in-order --json report.json spec/a_spec.rb spec/b_spec.rb
assert_rc 1
[[ $(json_get report.json "[(f['examples'], f['status']) for f in r['files'] if f['path'] == 'spec/b_spec.rb'][0]") == "(1, 'failed')" ]] ||
  fail "rspec focus: b_spec.rb after a focused file: $(json_get report.json "[(f['path'], f['examples'], f['status']) for f in r['files']]")"
[[ $(json_get report.json "[f['examples'] for f in r['files'] if f['path'] == 'spec/a_spec.rb'][0]") == 1 ]] ||
  fail "rspec focus: a_spec.rb should run its focused example only"
echo "ok: rspec: a focused file does not filter out the files after it"

# --- minitest: the same with Minitest. Serial: 3 runs, 0 failures.
project=$WORK/minitest-fork
mkdir -p "$project/test"
cd "$project"
cat > test/fork_test.rb <<'RB'
require "minitest/autorun"
class ForkTest < Minitest::Test
  def test_forks_a_child_that_exits
    pid = fork
    exit 0 if pid.nil?
    Process.wait(pid)
    assert $?.success?
  end
end
RB
for f in b c; do
  printf 'require "minitest/autorun"\nclass %sTest < Minitest::Test\n  def test_runs; assert true; end\nend\n' "${f^}" > "test/${f}_test.rb"
done
run_dt -n 1 --in-order --json report.json test/fork_test.rb test/c_test.rb test/b_test.rb
assert_rc 0
assert_summary report.json 3 0 0 "minitest fork"
echo "ok: minitest: a forked child's exit does not take over the runner"

# --- minitest: a class two files both define, and a test file another one require_relative's.
#     Serial (each file required once): 5 runs. Both orders on one runner must give the same.
project=$WORK/minitest-shared
mkdir -p "$project/test"
cd "$project"
for f in a b; do
  printf 'require "minitest/autorun"\nclass FooTest < Minitest::Test\n  def test_%s; assert true; end\nend\n' "$f" > "test/${f}_test.rb"
done
printf 'require "minitest/autorun"\nclass BaseTest < Minitest::Test\n  def test_base; assert true; end\nend\n' > test/base_test.rb
printf 'require_relative "base_test"\nclass ChildTest < BaseTest\n  def test_child; assert true; end\nend\n' > test/child_test.rb
serial=$(ruby -Itest -e 'Dir["test/*_test.rb"].sort.each { |f| require File.expand_path(f) }' 2>&1 | tail -n 1)
[[ $serial == "5 runs, 5 assertions, 0 failures, 0 errors, 0 skips" ]] || fail "serial minitest changed: $serial"
for order in "test/a_test.rb test/b_test.rb test/base_test.rb test/child_test.rb" \
             "test/child_test.rb test/b_test.rb test/a_test.rb test/base_test.rb"; do
  # shellcheck disable=SC2086 # the file list
  run_dt -n 1 --in-order --json report.json $order
  assert_rc 0
  assert_summary report.json 5 0 0 "minitest shared classes, order: $order"
done
echo "ok: minitest: reopened classes and require_relative'd test files run each test once ($serial)"

# --- test-unit: the same, and a file that reopens a class while defining a new one.
project=$WORK/test-unit-shared
mkdir -p "$project/test"
cd "$project"
printf 'require "test/unit"\nclass FooTest < Test::Unit::TestCase\n  def test_a; assert true; end\nend\n' > test/a_test.rb
printf 'require "test/unit"\nclass FooTest < Test::Unit::TestCase\n  def test_b; assert true; end\nend\nclass BarTest < Test::Unit::TestCase\n  def test_bar; assert true; end\nend\n' > test/b_test.rb
printf 'require "test/unit"\nclass BaseTuTest < Test::Unit::TestCase\n  def test_base; assert true; end\nend\n' > test/base_test.rb
printf 'require_relative "base_test"\nclass ChildTuTest < BaseTuTest\n  def test_child; assert true; end\nend\n' > test/child_test.rb
serial=$(ruby -Itest -e 'Dir["test/*_test.rb"].sort.each { |f| require File.expand_path(f) }' 2>&1 | grep -E '^[0-9]+ tests,')
[[ $serial == "5 tests, 5 assertions, 0 failures"* ]] || fail "serial test-unit changed: $serial"
for order in "test/a_test.rb test/b_test.rb test/base_test.rb test/child_test.rb" \
             "test/child_test.rb test/b_test.rb test/a_test.rb test/base_test.rb"; do
  # shellcheck disable=SC2086 # the file list
  run_dt -n 1 --in-order --framework minitest --json report.json $order
  assert_rc 0
  assert_summary report.json 5 0 0 "test-unit shared classes, order: $order"
done
echo "ok: test-unit: reopened classes and require_relative'd test files run each test once (${serial%%,*})"

# --- pytest.
project=$WORK/pytest-cases
mkdir -p "$project/tests/sub"
cd "$project"
printf '[pytest]\ntestpaths = tests\n' > pytest.ini
cat > tests/test_fork.py <<'PY'
import os, sys
def test_forks_a_child_that_exits():
    pid = os.fork()
    if pid == 0:
        sys.exit(0)
    _, status = os.waitpid(pid, 0)
PY
cat > tests/test_bytes.py <<'PY'
def test_message_with_bytes_that_are_not_utf8():
    raise ValueError("cannot open " + b"caf\xe9".decode("utf-8", "surrogateescape"))
def test_passes():
    pass
PY
cat > tests/test_cache.py <<'PY'
def test_uses_the_cache_fixture(cache):
    cache.set("distributest/x", 1)
    assert cache.get("distributest/x", None) == 1
PY
# Serial pytest uses ./pytest.ini for every file, not this nested file's setting.
printf '[tool.pytest.ini_options]\nxfail_strict = true\n' > tests/sub/pyproject.toml
cat > tests/sub/test_xpass.py <<'PY'
import pytest
@pytest.mark.xfail(reason="known")
def test_unexpectedly_passes():
    pass
PY
set +e
"$PY" -m pytest -o cache_dir="$WORK/serial-cache" >"$WORK/serial" 2>&1
set -e
summary=$(tail -n 1 "$WORK/serial")
[[ $summary == *"1 failed"*"3 passed"*"1 xpassed"* ]] || fail "serial pytest changed: $summary"
run_dt -n 2 --json report.json
assert_rc 1
# 1 failed + 3 passed + 1 xpassed = 5 examples, 1 failure, 0 pending.
assert_summary report.json 5 1 0 "pytest cases (serial: $summary)"
[[ $(json_get report.json "[f['status'] for f in r['files'] if f['path'] == 'tests/test_bytes.py'][0]") == failed ]] ||
  fail "pytest: a message with non-UTF-8 bytes did not stay a failure"
[[ $(find . -name '.pytest_cache' | wc -l) == 0 ]] || fail "pytest: runners left a .pytest_cache in the project"
echo "ok: pytest: forked child, non-UTF-8 message, cache fixture, nested config: as serial ($summary)"

# --- pytest: 600 failing tests with 70 KB messages each: over the protocol's 64 MiB record
#     limit in full. The record sheds details, never the counts (serial: 600 failed).
mkdir -p "$WORK/pytest-big/tests"
cd "$WORK/pytest-big"
printf '[pytest]\ntestpaths = tests\n' > pytest.ini
cat > tests/test_many.py <<'PY'
import pytest
@pytest.mark.parametrize("i", range(600))
def test_fails_loudly(i):
    raise ValueError("x" * 70000)
PY
run_dt -n 1 --json report.json
assert_rc 1
assert_summary report.json 600 600 0 "600 big failures"
[[ $(json_get report.json "r['files'][0]['status']") == failed ]] || fail "600 big failures: not a plain failure"
echo "ok: pytest: a record over the size limit sheds details and keeps the counts (600 failed)"

# --- command: a quoted placeholder.
cd "$WORK"
mkdir -p cmd/t && cd cmd && echo true > 't/with space.sh'
run_dt --framework command --command 'sh "{file}"' t
assert_rc 2
assert_out_contains "write {file} without quotes"
echo "ok: command: a quoted {file} is refused"
