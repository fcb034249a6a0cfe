#!/usr/bin/env bash
# A real third-party suite that nobody here wrote: the pytest suite Debian's python3-mpmath ships
# (mpmath/tests, 31 test_*.py files, ~40 s serial). Copied into a project as tests/, it runs once
# serially with pytest and once through distributest with the embedded default (no config, no
# -n: one runner per core). distributest's JSON summary must equal pytest's own counts, every
# file must have a result, and each file's example count must equal the serial run's.
#
# Randomness in the suite: test_elliptic.py draws from `random` without seeding it, and
# test_eigen*.py use mp.rand(), so their inputs differ from run to run and depend on which files
# ran before in the same interpreter. In 40 repeated runs they always passed; if one ever fails
# here, compare with the serial run before suspecting distributest.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
mpmath_tests=$("$PY" -c 'import os, mpmath; print(os.path.join(os.path.dirname(mpmath.__file__), "tests"))' 2>/dev/null) ||
  { echo "skip: $PY cannot import mpmath (apt-get install python3-mpmath)"; exit 77; }
"$PY" -c 'import pytest' 2>/dev/null || { echo "skip: $PY cannot import pytest (apt-get install python3-pytest)"; exit 77; }
[[ -d $mpmath_tests ]] || { echo "skip: no $mpmath_tests"; exit 77; }

project=$WORK/mpmath-project
mkdir -p "$project"
cp -r "$mpmath_tests" "$project/tests"
find "$project" -name __pycache__ -prune -exec rm -rf {} +
# test_interval.py depends on the order files run in: it assumes the default precision, which
# another file leaves changed in the shared `mp`/`iv` context. Serial pytest happens to run it
# before that file; a runner may not (seen on the cluster: mpf('1.0000000000000002') printed at
# 33 digits). That is mpmath's leftover-state bug, not a lost result, so it is left out here.
rm "$project/tests/test_interval.py"
cat >"$project/pytest.ini" <<'EOF'
[pytest]
testpaths = tests
markers =
    slow: mpmath marks its long tests with it
EOF
cd "$project"
# The mpmath and pytest under test are the system's, whatever python3 is first on PATH; both
# runs compile the tests alike (neither finds bytecode the other left).
export DISTRIBUTEST_PYTHON=$PY PYTHONDONTWRITEBYTECODE=1
file_count=$(find tests -name 'test_*.py' | wc -l)
(( file_count > 0 )) || fail "no test_*.py files in $mpmath_tests"
cores=$("$PY" -c 'import os; print(len(os.sched_getaffinity(0)))')

now() { date +%s.%N; }

# 1. Serial, as a developer would run it; the JUnit file gives the per-file counts.
t0=$(now)
set +e
"$PY" -m pytest -p no:cacheprovider -q -o junit_family=xunit1 --junitxml="$WORK/serial.xml" \
  >"$WORK/serial.out" 2>&1
serial_rc=$?
set -e
t1=$(now)
summary=$(grep -E '^=* *[0-9]+ (passed|failed|skipped|xfailed|xpassed|errors?|warnings?|deselected)\b.* in [0-9.]+s' \
  "$WORK/serial.out" | tail -1) || true
[[ -n $summary && $serial_rc -le 1 ]] ||
  { tail -30 "$WORK/serial.out" >&2; fail "the serial pytest run did not finish (exit $serial_rc)"; }
count() {  # count WORD: the number before WORD in pytest's summary line, 0 when absent
  local n
  n=$(grep -oE "[0-9]+ $1\b" <<<"$summary" | head -1 | cut -d' ' -f1)
  echo "${n:-0}"
}
passed=$(count passed) failed=$(count failed) skipped=$(count skipped)
xfailed=$(count xfailed) xpassed=$(count xpassed) errors=$(count 'errors?')
(( passed > 0 )) || fail "the serial run passed nothing: $summary"
want_examples=$((passed + failed + errors + skipped + xfailed + xpassed))
want_failures=$((failed + errors))
want_pending=$((skipped + xfailed))
echo "serial: $summary"

# 2. Distributed, with the embedded default.
t2=$(now)
run_dt --json report.json
t3=$(now)
if (( want_failures == 0 )); then assert_rc 0; else assert_rc 1; fi
[[ -f report.json ]] || { cat "$WORK/out" >&2; fail "no JSON report"; }

assert_summary report.json "$want_examples" "$want_failures" "$want_pending" "mpmath ($summary)"
got_files=$(json_get report.json "len(r['files'])")
[[ $got_files == "$file_count" ]] || fail "$got_files files in the report, $file_count test_*.py files"
[[ $(json_get report.json "r['summary']['files']") == "$file_count" ]] || fail "summary.files != $file_count"
if (( errors == 0 )); then
  bad=$(json_get report.json "sorted(f['path'] + ': ' + f['status'] for f in r['files'] if f['status'] not in ('passed', 'failed'))")
  [[ $bad == "[]" ]] || fail "files without a result: $bad"
fi
want_runners=$(( cores < file_count ? cores : file_count ))
[[ $(json_get report.json "len(r['runners'])") == "$want_runners" ]] || fail "wanted $want_runners runners (one per core)"

# Each file's examples equal the serial run's testcases for that file (a split file's parts
# summed: the report has one entry per file).
assert_per_file_counts() {  # assert_per_file_counts REPORT
  local mismatch
  mismatch=$("$PY" - "$WORK/serial.xml" "$1" <<'EOF'
import collections, json, sys
import xml.etree.ElementTree as ET
serial = collections.Counter(tc.get("file") for tc in ET.parse(sys.argv[1]).iter("testcase"))
files = json.load(open(sys.argv[2]))["files"]
report = {f["path"]: f["examples"] for f in files}
if len(report) != len(files):
    print("a file has more than one entry")
for path in sorted(set(serial) | set(report)):
    if serial.get(path, 0) != report.get(path, 0):
        print(f"{path}: serial {serial.get(path, 0)}, distributest {report.get(path, 0)}")
EOF
)
  [[ -z $mismatch ]] || fail "$1: per-file example counts differ:"$'\n'"$mismatch"
}
assert_per_file_counts report.json

serial_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
dt_s=$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.1f", b - a }')
ratio=$(awk -v s="$serial_s" -v d="$dt_s" 'BEGIN { printf "%.2f", s / d }')
longest=$(json_get report.json "'%s %.1fs' % max(((f['path'], f['duration_seconds']) for f in r['files']), key=lambda x: x[1])")
ideal=$(json_get report.json "'%.1f' % r['summary']['lower_bound_seconds']")
echo "distributest: $(json_get report.json "r['summary']['examples']") examples," \
  "$(json_get report.json "r['summary']['failures']") failures," \
  "$(json_get report.json "r['summary']['pending']") pending in $file_count files on $want_runners runners"
echo "wall: serial ${serial_s}s, distributest ${dt_s}s, speedup ${ratio}x" \
  "(ideal ${ideal}s; longest file $longest)"
echo "ok: mpmath's suite gives the serial run's counts"

# The same real suite across a test cluster of 3 nodes x 2 runners (issue 3), when this machine
# can build one (root, network namespaces): the same counts as the serial run.
if (( EUID == 0 )) && ip netns list >/dev/null 2>&1 && unshare --net --uts --mount --pid --fork true 2>/dev/null; then
  TC=$SRC/tools/testcluster
  export DISTRIBUTEST_TESTCLUSTER_DIR=/run/distributest-mpmath-it.$$
  trap '"$TC" down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
  config=$("$TC" up 3 2>/dev/null | tail -n 1)
  t4=$(now)
  set +e
  "$TC" run env DISTRIBUTEST_PYTHON="$PY" PYTHONDONTWRITEBYTECODE=1 "$DT" -c "$config" -n 2 \
    --json cluster.json >"$WORK/out" 2>&1
  rc=$?
  set -e
  t5=$(now)
  if [[ -f cluster.json ]]; then  # say what failed, should anything have
    json_get cluster.json "'\\n'.join(f['path'] + ' on ' + f['runner'] + ': ' + f['status'] + ' ' + repr([(x['name'], x['message'][:500]) for x in f['failures']]) + ' ' + f['error'] for f in r['files'] if f['status'] != 'passed')"
  fi
  if (( want_failures == 0 )); then assert_rc 0; else assert_rc 1; fi
  assert_summary cluster.json "$want_examples" "$want_failures" "$want_pending" "on the cluster"
  [[ $(json_get cluster.json "len(r['runners'])") == 6 ]] || fail "cluster: wanted 3 nodes x 2 runners"
  # The local run measured each slow file's examples, so with 6 runners the files longer than
  # a sixth of the suite run as parts (issue 11): the counts must still be serial's, file by file.
  assert_per_file_counts cluster.json
  split=$(json_get cluster.json "' '.join(sorted({w.split(' (part ')[0] for x in r['runners'] for w in x['files'] if ' (part ' in w}))")
  [[ -n $split ]] || fail "cluster: no file was split into parts (the local run recorded their examples)"
  echo "cluster: split into parts: $split"
  echo "cluster (3 nodes x 2 runners, one 2-core machine): $(awk -v a="$t4" -v b="$t5" 'BEGIN { printf "%.1f", b - a }')s"
  echo "ok: mpmath's suite on the test cluster gives the serial run's counts"
fi
