#!/usr/bin/env bash
# One framework session per runner, through the real binary, here and on a real 2-node test
# cluster:
#  1. pytest: a session-scoped fixture and pytest_sessionstart run once per runner that ran
#     files (not once per file); pytest_sessionfinish runs once per runner and the file it
#     writes is there after the run, on the nodes too;
#  2. RSpec: before(:suite) and after(:suite) once per runner; what after(:suite) writes (as
#     SimpleCov's result would be) is there after the run;
#  3. minitest: Minitest.after_run once per runner;
#  4. session_per_file: a file matched by it gets a session of its own (one more fixture set-up);
#  5. the counts equal the framework's own serial run.
# Each project logs its hooks to $SESSION_LOG (a file per runner, named by its runner id).
source "$(dirname "$0")/lib.sh"

make_pytest_project() {  # make_pytest_project DIR
  mkdir -p "$1/tests"
  printf '[pytest]\ntestpaths = tests\n' >"$1/pytest.ini"
  cat >"$1/tests/conftest.py" <<'PY'
import os
import pytest

def _log(what):
    with open(os.path.join(os.environ["SESSION_LOG"], os.environ["DISTRIBUTEST_RUNNER_ID"] if "DISTRIBUTEST_RUNNER_ID" in os.environ else "serial"), "a") as f:
        f.write(what + "\n")

def pytest_sessionstart(session):
    _log("sessionstart")

def pytest_sessionfinish(session, exitstatus):
    _log("sessionfinish")

@pytest.fixture(scope="session")
def service():
    _log("fixture")
    yield
PY
  local i
  for i in 1 2 3 4 5 6; do
    printf 'def test_a(service):\n    assert 1\n\n\ndef test_b(service):\n    assert 2\n' >"$1/tests/test_$i.py"
  done
}

make_rspec_project() {  # make_rspec_project DIR
  mkdir -p "$1/spec"
  echo '--require spec_helper' >"$1/.rspec"
  cat >"$1/spec/spec_helper.rb" <<'RUBY'
def session_log(what)
  File.open(File.join(ENV["SESSION_LOG"], ENV.fetch("DISTRIBUTEST_RUNNER_ID", "serial")), "a") { |f| f.puts(what) }
end
RSpec.configure do |config|
  config.before(:suite) { session_log("before_suite") }
  config.after(:suite) { sleep 1; session_log("after_suite") }
end
RUBY
  local i
  for i in 1 2 3 4 5 6; do
    printf 'RSpec.describe "f%s" do\n  it("a") { expect(1).to eq(1) }\nend\n' "$i" >"$1/spec/f${i}_spec.rb"
  done
}

make_minitest_project() {  # make_minitest_project DIR
  mkdir -p "$1/test"
  cat >"$1/test/test_helper.rb" <<'RUBY'
require "minitest/autorun"
Minitest.after_run do
  File.open(File.join(ENV["SESSION_LOG"], ENV.fetch("DISTRIBUTEST_RUNNER_ID", "serial")), "a") { |f| f.puts("after_run") }
end
RUBY
  local i
  for i in 1 2 3 4 5 6; do
    printf 'require_relative "test_helper"\nclass T%sTest < Minitest::Test\n  def test_a; assert true; end\nend\n' "$i" >"$1/test/t${i}_test.rb"
  done
}

# check_once_per_runner REPORT LOGDIR_READER WHAT...: every runner that ran a file logged each
# WHAT exactly once. LOGDIR_READER is a command printing one runner's log given its id.
check_once_per_runner() {
  local report=$1 reader=$2 runner what n
  shift 2
  local runners
  runners=$(json_get "$report" "' '.join(x['id'] for x in r['runners'] if x['files'])")
  [[ -n $runners ]] || fail "$report: no runner ran a file"
  for runner in $runners; do
    for what in "$@"; do
      n=$($reader "$runner" | grep -cx "$what" || true)
      [[ $n == 1 ]] || fail "$report: runner $runner logged '$what' $n times (wanted once): $($reader "$runner" | tr '\n' ' ')"
    done
  done
}

local_log() { cat "$WORK/log/$1" 2>/dev/null || true; }

# ---- here
mkdir -p "$WORK/log"
export SESSION_LOG=$WORK/log
make_pytest_project "$WORK/py"
cd "$WORK/py"
run_dt -n 2 --framework pytest --json report.json
assert_rc 0
assert_summary report.json 12 0 0 "pytest"
check_once_per_runner report.json local_log sessionstart fixture sessionfinish
echo "ok: pytest here: sessionstart, the session fixture and sessionfinish once per runner"

rm -f "$WORK"/log/*
cat >.distributest-config.toml <<'TOML'
session_per_file = ["tests/test_3.py"]
TOML
run_dt -n 1 --framework pytest -c .distributest-config.toml --json report.json
assert_rc 0
assert_summary report.json 12 0 0 "pytest, session_per_file"
runner=$(json_get report.json "r['runners'][0]['id']")
# Sessions: the files before test_3.py, test_3.py alone, the files after it. Where it falls in
# the order depends on the first run's timings, so the count follows from the order run.
sessions=$(json_get report.json "(lambda f: 1 + (f[0] != 'tests/test_3.py') + (f[-1] != 'tests/test_3.py'))(r['runners'][0]['files'])")
[[ $(local_log "$runner" | grep -cx fixture) == "$sessions" ]] ||
  fail "session_per_file: one runner, test_3.py alone: wanted $sessions fixture set-ups, got: $(local_log "$runner" | tr '\n' ' ')"
[[ $(json_get report.json "len(r['runners'][0]['teardowns'])") == "$sessions" ]] || fail "session_per_file: wanted $sessions processes ended in order"
echo "ok: session_per_file: test_3.py got a session of its own ($sessions set-ups on one runner, as many teardowns)"

rm -f "$WORK"/log/*
make_rspec_project "$WORK/rb"
cd "$WORK/rb"
run_dt -n 2 --framework rspec --json report.json
assert_rc 0
assert_summary report.json 6 0 0 "rspec"
check_once_per_runner report.json local_log before_suite after_suite
echo "ok: rspec here: before(:suite) and after(:suite) once per runner"

rm -f "$WORK"/log/*
make_minitest_project "$WORK/mt"
cd "$WORK/mt"
run_dt -n 2 --framework minitest --json report.json
assert_rc 0
assert_summary report.json 6 0 0 "minitest"
check_once_per_runner report.json local_log after_run
echo "ok: minitest here: Minitest.after_run once per runner"

# ---- on nodes: the logs go to each node's /tmp/sessions.
cluster_available || { echo "SKIP (the cluster half): the test cluster needs root and network namespaces"; exit 0; }
cluster_up 2 sessions
for n in n1 n2; do "$TC" exec "$n" mkdir -p /tmp/sessions; done
node_log() {  # node_log RUNNER: its node is the part of the id after the host
  local node
  node=$(json_get "$report_now" "[x['node'] for x in r['runners'] if x['id'] == '$1'][0]")
  "$TC" exec "$node" cat "/tmp/sessions/$1" 2>/dev/null || true
}
for fw in pytest:py rspec:rb minitest:mt; do
  framework=${fw%%:*}
  cd "$WORK/${fw##*:}"
  mkdir -p .distributest
  printf '[env]\nSESSION_LOG = "/tmp/sessions"\n' >.distributest/config.toml  # the nodes' runners
  run_cluster -n 2 --framework "$framework" --json cluster.json
  assert_rc 0
  report_now=$WORK/${fw##*:}/cluster.json
  case $framework in
    pytest) assert_summary cluster.json 12 0 0 "pytest on nodes"
            check_once_per_runner cluster.json node_log sessionstart fixture sessionfinish ;;
    rspec) assert_summary cluster.json 6 0 0 "rspec on nodes"
           check_once_per_runner cluster.json node_log before_suite after_suite ;;
    minitest) assert_summary cluster.json 6 0 0 "minitest on nodes"
              check_once_per_runner cluster.json node_log after_run ;;
  esac
  echo "ok: $framework on 2 nodes x 2 runners: suite-level hooks once per runner, exit-time work done"
done
