#!/usr/bin/env bash
# Files cut into parts by example (issue 11), through the real binary and real frameworks:
#  1. pytest, RSpec, minitest: a project with one dominant file (sleeping examples, file- and
#     group-level set-up that logs itself) and small files, -n 2. The first run (no per-example
#     timings yet) runs every file whole; the second run's --dry-run lists the dominant file's
#     parts and the run puts them on different runners; every example runs exactly once (each
#     test logs its own id; the set is the serial run's); the counts are the serial run's; the
#     JSON report has one row for the file with all its cases (their ids the serial run's) and
#     its parts (where each ran), the JUnit report one testsuite; --no-split (and
#     split = "off") run it whole again;
#  2. a failing example in a split file: the file is reported failed once, with that failure,
#     exit status 1; --retry 1 reruns only the part that failed (files[].parts: 2 attempts);
#  3. on a 2-node test cluster (2 runners each): the pytest file split across the nodes, the
#     serial counts, each example once;
#  4. drift: a file whose tests come from a gitignored data dir runs 3 examples here, 1 on the
#     nodes (the sync ships only the tracked data file): the warning and JSON `drift` name it.
# The tests sleep SPLIT_SLEEP seconds per example (0 in the serial reference runs) and append
# "ran <id>" / "setup <what>" lines to $SPLIT_LOG.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import pytest' 2>/dev/null || { echo "skip: $PY cannot import pytest"; exit 77; }
command -v rspec >/dev/null || { echo "skip: no rspec"; exit 77; }
ruby -e 'require "minitest"' 2>/dev/null || { echo "skip: ruby cannot load minitest"; exit 77; }
export DISTRIBUTEST_PYTHON=$PY PYTHONDONTWRITEBYTECODE=1
export SPLIT_SLEEP=0.3

# ---- the projects
make_pytest_project() {  # make_pytest_project DIR
  mkdir -p "$1/tests"
  printf '[pytest]\ntestpaths = tests\n' >"$1/pytest.ini"
  cat >"$1/tests/conftest.py" <<'PY'
import os
import pytest

def split_log(line):
    if os.environ.get("SPLIT_LOG"):
        with open(os.environ["SPLIT_LOG"], "a") as f:
            f.write(line + "\n")

@pytest.fixture(autouse=True)
def _log_example(request):
    split_log("ran " + request.node.nodeid)
    yield
PY
  cat >"$1/tests/test_big.py" <<'PY'
import os
import time
import pytest
from conftest import split_log

PAUSE = float(os.environ.get("SPLIT_SLEEP", "0"))

@pytest.fixture(scope="module")
def resource():
    split_log("setup module")
    yield 1

@pytest.mark.parametrize("n", range(8))
def test_slow(resource, n):
    time.sleep(PAUSE)
    if str(n) == os.environ.get("SPLIT_FAIL"):
        pytest.fail("planted failure in test_slow[%d]" % n)

class TestGroup:
    def test_one(self, resource):
        time.sleep(PAUSE)

    def test_two(self, resource):
        time.sleep(PAUSE)
PY
  local i
  for i in 1 2 3; do
    printf 'def test_a():\n    assert 1\n\n\ndef test_b():\n    assert 2\n' >"$1/tests/test_small$i.py"
  done
}

make_rspec_project() {  # make_rspec_project DIR
  mkdir -p "$1/spec"
  echo '--require spec_helper' >"$1/.rspec"
  cat >"$1/spec/spec_helper.rb" <<'RUBY'
def split_log(line)
  File.open(ENV["SPLIT_LOG"], "a") { |f| f.puts(line) } if ENV["SPLIT_LOG"]
end
PAUSE = Float(ENV.fetch("SPLIT_SLEEP", "0"))
RSpec.configure do |config|
  config.before(:each) { |example| split_log("ran #{example.id}") }
end
RUBY
  cat >"$1/spec/big_spec.rb" <<'RUBY'
RSpec.describe "big" do
  before(:context) { split_log("setup big") }
  6.times do |i|
    it("sleeps #{i}") { sleep PAUSE; expect(i).to eq(i) }
  end
  context "nested" do
    before(:context) { split_log("setup nested") }
    it("a") { sleep PAUSE }
    it("b") { sleep PAUSE }
    describe "deeper" do
      it("c") { sleep PAUSE }
      it("d") { sleep PAUSE }
    end
  end
end
RUBY
  local i
  for i in 1 2 3; do
    printf 'RSpec.describe "small%s" do\n  it("a") { expect(1).to eq(1) }\n  it("b") { expect(2).to eq(2) }\nend\n' \
      "$i" >"$1/spec/small${i}_spec.rb"
  done
}

make_minitest_project() {  # make_minitest_project DIR
  mkdir -p "$1/test"
  cat >"$1/test/helper.rb" <<'RUBY'
require "minitest/autorun"
PAUSE = Float(ENV.fetch("SPLIT_SLEEP", "0"))
class Minitest::Test
  def before_setup
    super
    File.open(ENV["SPLIT_LOG"], "a") { |f| f.puts("ran #{self.class.name}##{name}") } if ENV["SPLIT_LOG"]
  end
end
RUBY
  cat >"$1/test/big_test.rb" <<'RUBY'
require_relative "helper"
class BigTest < Minitest::Test
  10.times do |i|
    define_method("test_sleep_#{i}") { sleep PAUSE; assert_equal i, i }
  end
end
RUBY
  local i
  for i in 1 2 3; do
    printf 'require_relative "helper"\nclass Small%sTest < Minitest::Test\n  def test_a; assert true; end\n  def test_b; assert true; end\nend\n' \
      "$i" >"$1/test/small${i}_test.rb"
  done
}

# ---- checks on a report
# work_labels REPORT PATH: the work items of PATH the runners ran, "runner<TAB>label" per line.
work_labels() {
  json_get "$1" "'\\n'.join(x['id'] + '\\t' + f for x in r['runners'] for f in x['files'] if f == '$2' or f.startswith('$2 (part '))"
}

assert_no_parts() {  # assert_no_parts REPORT WHAT
  local parts
  parts=$(json_get "$1" "[f for x in r['runners'] for f in x['files'] if ' (part ' in f]")
  [[ $parts == "[]" ]] || fail "$2: work items that are parts: $parts"
}

# assert_split REPORT PATH WHAT: PATH ran as k >= 2 parts, "PATH (part i/k)" for i = 1..k each
# once, on at least 2 runners. Sets parts=k.
assert_split() {
  local labels runners
  labels=$(work_labels "$1" "$2")
  parts=$(sed -n 's|.*(part [0-9]*/\([0-9]*\))$|\1|p' <<<"$labels" | sort -u)
  if ! [[ $parts =~ ^[0-9]+$ ]] || ((parts < 2)); then
    fail "$3: $2 did not run as >= 2 parts: $(tr '\n' ' ' <<<"$labels")"
  fi
  [[ $(cut -f2 <<<"$labels" | sort) == $(for ((i = 1; i <= parts; i++)); do echo "$2 (part $i/$parts)"; done | sort) ]] ||
    fail "$3: $2's work items are not parts 1..$parts once each: $(tr '\n' ' ' <<<"$labels")"
  runners=$(cut -f1 <<<"$labels" | sort -u | wc -l)
  ((runners >= 2)) || fail "$3: $2's $parts parts all ran on one runner: $(tr '\n' ' ' <<<"$labels")"
}

# assert_once LOG SERIAL_LOG WHAT: the examples logged ("ran ..." lines) are the serial run's,
# each exactly once.
assert_once() {
  local dups
  dups=$(grep '^ran ' "$1" | sort | uniq -d)
  [[ -z $dups ]] || fail "$3: examples ran more than once: $dups"
  diff <(grep '^ran ' "$2" | sort) <(grep '^ran ' "$1" | sort) >"$WORK/diff" ||
    fail "$3: the examples run differ from the serial run's (< serial, > distributest): $(cat "$WORK/diff")"
}

# assert_one_row REPORT PATH EXAMPLES WHAT: one files[] row for PATH, with EXAMPLES examples and
# as many cases.
assert_one_row() {
  local got
  got=$(json_get "$1" "[(f['examples'], len(f['cases'])) for f in r['files'] if f['path'] == '$2']")
  [[ $got == "[($3, $3)]" ]] || fail "$4: files[] for $2 (examples, cases) = $got, wanted one row [($3, $3)]"
}

# assert_parts_json REPORT PATH WHAT: files[].parts of PATH match the work items run: parts 1..k
# in order, each on the runner that ran "PATH (part i/k)", their examples summing to the
# file's. Uses $parts (from assert_split).
assert_parts_json() {
  local got want
  got=$(json_get "$1" "[(p['part'], p['parts'], p['runner']) for f in r['files'] if f['path'] == '$2' for p in f['parts']]")
  want=$(json_get "$1" "sorted((int(w.split('(part ')[1].split('/')[0]), $parts, x['id']) for x in r['runners'] for w in x['files'] if w.startswith('$2 (part '))")
  [[ $got == "$want" ]] || fail "$3: files[].parts of $2 = $got; the runners ran $want"
  [[ $(json_get "$1" "[sum(p['examples'] for p in f['parts']) == f['examples'] for f in r['files'] if f['path'] == '$2']") == "[True]" ]] ||
    fail "$3: the parts' examples of $2 do not sum to the file's"
}

# assert_case_ids REPORT PATH ID_PREFIX SERIAL_LOG WHAT: PATH's cases[].id are the ids the
# serial run logged for it.
assert_case_ids() {
  diff <(grep -F "ran $3" "$4" | sed 's/^ran //' | sort) \
    <(json_get "$1" "'\\n'.join(sorted(c.get('id', '') for f in r['files'] if f['path'] == '$2' for c in f['cases']))") >"$WORK/diff" ||
    fail "$5: cases[].id of $2 differ from the serial run's ids (< serial, > report): $(cat "$WORK/diff")"
}

# assert_junit_one_suite XML PATH EXAMPLES WHAT: one <testsuite> for PATH, with EXAMPLES
# testcases of distinct names.
assert_junit_one_suite() {
  local got
  got=$("$PY" - "$1" "$2" <<'EOF'
import sys
import xml.etree.ElementTree as ET
suites = [s for s in ET.parse(sys.argv[1]).iter("testsuite") if s.get("name") == sys.argv[2]]
print(len(suites), [len(s.findall("testcase")) for s in suites],
      [len({c.get("name") for c in s.findall("testcase")}) for s in suites],
      [s.get("tests") for s in suites])
EOF
)
  [[ $got == "1 [$3] [$3] ['$3']" ]] ||
    fail "$4: JUnit for $2 (suites, [cases], [distinct names], [tests=]) = $got, wanted one suite of $3"
}

# run_split_project FRAMEWORK DIR BIG ID_PREFIX SERIAL_EXAMPLES: the two runs, checks 1 (the
# examples of BIG are those whose ids start with ID_PREFIX). Logs in $WORK/log.FRAMEWORK.*.
run_split_project() {
  local fw=$1 dir=$2 big=$3 prefix=$4 want=$5 n_big
  cd "$dir"
  n_big=$(grep -cF "ran $prefix" "$WORK/serial.$fw" || true)
  ((n_big >= 10)) || fail "$fw: the serial run logged $n_big examples of $big"

  SPLIT_LOG=$WORK/log.$fw.1 run_dt -n 2 --framework "$fw" --json run1.json
  assert_rc 0
  assert_summary run1.json "$want" 0 0 "$fw, first run"
  assert_no_parts run1.json "$fw, first run (no per-example timings yet)"
  [[ $(json_get run1.json "[f['path'] for f in r['files'] if f['parts']]") == "[]" ]] || fail "$fw, first run: files[] with parts"
  assert_once "$WORK/log.$fw.1" "$WORK/serial.$fw" "$fw, first run"
  grep -q "^$big"$'\t' .distributest/timings || fail "$fw: no timing for $big after the first run"

  run_dt -n 2 --framework "$fw" --dry-run
  assert_rc 0
  assert_out_contains "$big (part 1/"
  assert_out_contains "predicted makespan"
  grep -qE "^ +[0-9.]+s +[a-z]+ +$big \\(part [0-9]+/[0-9]+\\): " "$WORK/out" || { cat "$WORK/out" >&2; fail "$fw: dry run: no work line for a part"; }

  SPLIT_LOG=$WORK/log.$fw.2 run_dt -n 2 --framework "$fw" --json run2.json --junit run2.xml
  assert_rc 0
  assert_summary run2.json "$want" 0 0 "$fw, second run"
  assert_split run2.json "$big" "$fw, second run"
  assert_once "$WORK/log.$fw.2" "$WORK/serial.$fw" "$fw, second run"
  assert_one_row run2.json "$big" "$n_big" "$fw, second run"
  assert_parts_json run2.json "$big" "$fw, second run"
  assert_case_ids run2.json "$big" "$prefix" "$WORK/serial.$fw" "$fw, second run"
  [[ $(json_get run2.json "len(r['files'])") == $(json_get run1.json "len(r['files'])") ]] ||
    fail "$fw: the second run's files[] has $(json_get run2.json "len(r['files'])") rows, the first run's $(json_get run1.json "len(r['files'])")"
  assert_junit_one_suite run2.xml "$big" "$n_big" "$fw, second run"
  echo "ok: $fw: first run whole; second run: $big in $parts parts on 2 runners, each of its $n_big examples once, one JSON row, one JUnit suite, $want examples as serially"
}

assert_no_split_runs() {  # assert_no_split_runs FRAMEWORK: --no-split, split = "off"
  local fw=$1
  SPLIT_LOG=$WORK/log.$fw.3 run_dt -n 2 --framework "$fw" --json run3.json --no-split
  assert_rc 0
  assert_no_parts run3.json "$fw, --no-split"
  [[ $(json_get run3.json "[f['path'] for f in r['files'] if f['parts']]") == "[]" ]] || fail "$fw, --no-split: files[] with parts"
  assert_once "$WORK/log.$fw.3" "$WORK/serial.$fw" "$fw, --no-split"
  printf 'split = "off"\n' >"$WORK/split-off.toml"
  run_dt -n 2 --framework "$fw" -c "$WORK/split-off.toml" --dry-run
  assert_rc 0
  if grep -qF '(part ' "$WORK/out"; then cat "$WORK/out" >&2; fail "$fw: split = \"off\": the dry run lists parts"; fi
  run_dt -n 2 --framework "$fw" --dry-run
  assert_out_contains "(part 1/"  # and without it, the store still splits
  echo "ok: $fw: --no-split runs the file whole; split = \"off\" too (dry run)"
}

# ---- 1. pytest, RSpec, minitest here
make_pytest_project "$WORK/py"
(cd "$WORK/py" && SPLIT_SLEEP=0 SPLIT_LOG=$WORK/serial.pytest "$PY" -m pytest -q -p no:cacheprovider >"$WORK/serial.out" 2>&1) ||
  { cat "$WORK/serial.out" >&2; fail "the serial pytest run failed"; }
grep -qE '^16 passed' "$WORK/serial.out" || { cat "$WORK/serial.out" >&2; fail "serial pytest: wanted 16 passed"; }
run_split_project pytest "$WORK/py" tests/test_big.py tests/test_big.py:: 16
# The module fixture ran once per part that ran (each part loads the file).
[[ $(grep -cx 'setup module' "$WORK/log.pytest.2") == "$parts" ]] ||
  fail "pytest: the module fixture ran $(grep -cx 'setup module' "$WORK/log.pytest.2") times for $parts parts"
assert_no_split_runs pytest

# 2. A failing example in the split file.
SPLIT_FAIL=3 SPLIT_LOG=$WORK/log.fail run_dt -n 2 --framework pytest --json fail.json
assert_rc 1
assert_split fail.json tests/test_big.py "pytest, a failing example"
assert_summary fail.json 16 1 0 "pytest, a failing example"
got=$(json_get fail.json "[(f['status'], [x['name'] for x in f['failures']]) for f in r['files'] if f['path'] == 'tests/test_big.py']")
[[ $got == "[('failed', ['tests/test_big.py::test_slow[3]'])]" ]] || fail "a failing example: files[] for test_big.py = $got"
[[ $(json_get fail.json "sorted(f['status'] for f in r['files'])") == "['failed', 'passed', 'passed', 'passed']" ]] ||
  fail "a failing example: file statuses $(json_get fail.json "sorted(f['status'] for f in r['files'])")"
[[ $(count_in "$WORK/out" "planted failure in test_slow[3]") -ge 1 ]] || { cat "$WORK/out" >&2; fail "the failure's message is not printed"; }
[[ $(grep -c '^  1) ' "$WORK/out") == 1 && $(grep -c '^  2) ' "$WORK/out") == 0 ]] ||
  { cat "$WORK/out" >&2; fail "a failing example: wanted exactly one failure listed"; }
echo "ok: a failing example in a split file: the file failed once, with that failure, exit status 1"

SPLIT_FAIL=3 SPLIT_LOG=$WORK/log.retry run_dt -n 2 --framework pytest --json retry.json --retry 1
assert_rc 1
labels=$(work_labels retry.json tests/test_big.py | cut -f2 | sort)
parts=$(sed -n 's|.*(part [0-9]*/\([0-9]*\))$|\1|p' <<<"$labels" | sort -u)
if ! [[ $parts =~ ^[0-9]+$ ]] || ((parts < 2)); then fail "--retry 1: test_big.py not split: $(tr '\n' ' ' <<<"$labels")"; fi
[[ $(wc -l <<<"$labels") == $((parts + 1)) ]] || fail "--retry 1: wanted $parts parts + 1 rerun, got: $(tr '\n' '|' <<<"$labels")"
rerun=$(uniq -d <<<"$labels")
[[ $(wc -l <<<"$rerun") == 1 && -n $rerun ]] || fail "--retry 1: no single part ran twice: $(tr '\n' '|' <<<"$labels")"
assert_out_contains "$rerun failed on"
twice=$(grep '^ran ' "$WORK/log.retry" | sort | uniq -d)
grep -qxF 'ran tests/test_big.py::test_slow[3]' <<<"$twice" || fail "--retry 1: the failing example did not run again"
n_twice=$(grep -c . <<<"$twice")
n_once=$(grep '^ran tests/test_big.py' "$WORK/log.retry" | sort | uniq -u | grep -c . || true)
((n_once > 0 && n_twice + n_once == 10)) ||
  fail "--retry 1: of test_big.py's 10 examples $n_twice ran twice and $n_once once (wanted only the failed part's again)"
[[ -z $(grep '^ran tests/test_small' "$WORK/log.retry" | sort | uniq -d) ]] || fail "--retry 1: a small file ran again"
[[ $(json_get retry.json "[(f['status'], f['attempts'], len(f['earlier_attempts'])) for f in r['files'] if f['path'] == 'tests/test_big.py']") == "[('failed', 2, 1)]" ]] ||
  fail "--retry 1: files[] for test_big.py: $(json_get retry.json "[(f['status'], f['attempts'], len(f['earlier_attempts'])) for f in r['files'] if f['path'] == 'tests/test_big.py']")"
assert_summary retry.json 16 1 0 "--retry 1"
got=$(json_get retry.json "sorted((p['part'], p['attempts'], p['status']) for f in r['files'] if f['path'] == 'tests/test_big.py' for p in f['parts'])")
want=$("$PY" -c 'import sys; k, rerun = int(sys.argv[1]), sys.argv[2]
print([(i, 2, "failed") if rerun == "tests/test_big.py (part %d/%d)" % (i, k) else (i, 1, "passed") for i in range(1, k + 1)])' "$parts" "$rerun")
[[ $got == "$want" ]] || fail "--retry 1: files[].parts (part, attempts, status) = $got, wanted $want"
echo "ok: --retry 1 reran only the part that failed ($rerun: $n_twice of 10 examples again)"

make_rspec_project "$WORK/rb"
(cd "$WORK/rb" && SPLIT_SLEEP=0 SPLIT_LOG=$WORK/serial.rspec rspec >"$WORK/serial.out" 2>&1) ||
  { cat "$WORK/serial.out" >&2; fail "the serial rspec run failed"; }
grep -qx '16 examples, 0 failures' "$WORK/serial.out" || { cat "$WORK/serial.out" >&2; fail "serial rspec: wanted 16 examples"; }
run_split_project rspec "$WORK/rb" spec/big_spec.rb ./spec/big_spec.rb[ 16
# before(:context) of the outer group runs in every part (each has examples of it), the nested
# group's in each part that has examples of its own, at least once.
[[ $(grep -cx 'setup big' "$WORK/log.rspec.2") == "$parts" ]] || fail "rspec: before(:context) of the outer group ran $(grep -cx 'setup big' "$WORK/log.rspec.2") times for $parts parts"
n=$(grep -cx 'setup nested' "$WORK/log.rspec.2" || true)
((n >= 1 && n <= parts)) || fail "rspec: before(:context) of the nested group ran $n times for $parts parts"
assert_no_split_runs rspec

make_minitest_project "$WORK/mt"
(cd "$WORK/mt" && SPLIT_SLEEP=0 SPLIT_LOG=$WORK/serial.minitest ruby -Itest -e 'ARGV.each { |f| require File.expand_path(f) }' test/*_test.rb >"$WORK/serial.out" 2>&1) ||
  { cat "$WORK/serial.out" >&2; fail "the serial minitest run failed"; }
grep -qx '16 runs, 16 assertions, 0 failures, 0 errors, 0 skips' "$WORK/serial.out" || { cat "$WORK/serial.out" >&2; fail "serial minitest: wanted 16 runs"; }
run_split_project minitest "$WORK/mt" test/big_test.rb BigTest# 16
assert_no_split_runs minitest

# ---- 3, 4. On nodes: the examples log to each node's /tmp/split.log.
cluster_available || { echo "SKIP (the cluster half): the test cluster needs root and network namespaces"; exit 0; }
cluster_up 2 split
node_logs() {  # node_logs OUT: the nodes' logs, concatenated, then emptied
  : >"$1"
  for n in n1 n2; do "$TC" exec "$n" sh -c 'cat /tmp/split.log 2>/dev/null; rm -f /tmp/split.log' >>"$1"; done
}
cd "$WORK/py"
mkdir -p .distributest
# Slower examples here: the parts go out first, and both nodes must be up before the first
# node's runners have taken them all (on a loaded CI box one node can come up a second late).
printf '[env]\nSPLIT_LOG = "/tmp/split.log"\nSPLIT_SLEEP = "1.0"\n' >.distributest/config.toml
run_cluster -n 2 --framework pytest --json cluster.json
assert_rc 0
[[ $(json_get cluster.json "len(r['runners'])") == 4 ]] || fail "cluster: wanted 2 nodes x 2 runners"
assert_summary cluster.json 16 0 0 "pytest on nodes"
assert_split cluster.json tests/test_big.py "pytest on nodes"
nodes=$(json_get cluster.json "sorted({x['node'] for x in r['runners'] for f in x['files'] if f.startswith('tests/test_big.py (part ')})")
[[ $nodes == "['n1', 'n2']" ]] || fail "cluster: test_big.py's parts ran on $nodes, wanted both nodes"
node_logs "$WORK/log.cluster"
assert_once "$WORK/log.cluster" "$WORK/serial.pytest" "pytest on nodes"
assert_one_row cluster.json tests/test_big.py 10 "pytest on nodes"
assert_parts_json cluster.json tests/test_big.py "pytest on nodes"
[[ $(json_get cluster.json "sorted({p['node'] for f in r['files'] if f['path'] == 'tests/test_big.py' for p in f['parts']})") == "['n1', 'n2']" ]] ||
  fail "cluster: files[].parts of test_big.py do not name both nodes"
echo "ok: pytest on 2 nodes x 2 runners: test_big.py in $parts parts on both nodes, each example once, the serial counts"

# Drift: tests/test_data.py has a test per file in data/; data/ is gitignored, only data/a is
# tracked, so the nodes get 1 of the 3.
mkdir -p "$WORK/drift/tests/data"
cd "$WORK/drift"
printf '[pytest]\ntestpaths = tests\n' >pytest.ini
echo 'tests/data/' >.gitignore
cat >tests/test_data.py <<'PY'
import os
import pytest

DATA = os.path.join(os.path.dirname(__file__), "data")

@pytest.mark.parametrize("name", sorted(os.listdir(DATA)))
def test_data(name):
    assert open(os.path.join(DATA, name)).read().strip() == name
PY
printf 'def test_other():\n    assert 1\n' >tests/test_other.py
for f in a b c; do echo "$f" >"tests/data/$f"; done
git init -q . && git add . && git add -f tests/data/a &&
  git -c user.name=t -c user.email=t@example.com commit -qm drift
run_dt --framework pytest -n 2 --json here.json
assert_rc 0
assert_summary here.json 4 0 0 "drift, here"
run_cluster --nodes n1,n2 --framework pytest -n 1 --json nodes.json
assert_rc 0
assert_summary nodes.json 2 0 0 "drift, on the nodes (1 of 3 data files)"
grep -qE "tests/test_data\\.py ran 1 examples on n[12], 3 in the last run" "$WORK/out" ||
  { cat "$WORK/out" >&2; fail "drift: no warning for tests/test_data.py in the output"; }
log=$(sed -n 's/^log: //p' "$WORK/out" | tail -n 1)
grep -qE "tests/test_data\\.py ran 1 examples on n[12], 3 in the last run" "$log" || fail "drift: no warning in the run log $log"
if grep -qF 'test_other.py ran' "$WORK/out"; then fail "drift: a warning for test_other.py, which ran as before"; fi
got=$(json_get nodes.json "[(d['path'], d['examples'], d['last_examples'], d['nodes'] in ('n1', 'n2')) for d in r['drift']]")
[[ $got == "[('tests/test_data.py', 1, 3, True)]" ]] || fail "drift: JSON drift = $(json_get nodes.json "r.get('drift')")"
[[ $(json_get here.json "r['drift']") == "[]" ]] || fail "drift: the first run here has drift: $(json_get here.json "r['drift']")"
echo "ok: drift: tests/test_data.py ran 1 example on the nodes, 3 here: warned (output, run log, JSON drift)"
