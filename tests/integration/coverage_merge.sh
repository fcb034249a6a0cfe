#!/usr/bin/env bash
# The coverage.py / pytest-cov recipe of the README on 2 test-cluster nodes x 2 runners: each
# runner's session writes its own data file (.coveragerc: data_file named by
# DISTRIBUTEST_RUNNER_INDEX, relative_files so the nodes' paths are the project's), [artifacts]
# brings them back, `coverage combine` merges them, and the merged report equals a serial
# pytest --cov run's line for line.
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: needs root and network namespaces for tools/testcluster"; exit 77; }
/usr/bin/python3 -c 'import pytest_cov, coverage' 2>/dev/null || { echo "SKIP: needs python3-pytest-cov"; exit 77; }
project=$(project_from pytest-cov)
cd "$project"
# More files than runners, each covering different lines, so the merge has something to do.
for i in 1 2 3 4 5 6; do
  # 0.7 s each, so that runners on both nodes get some while the others start.
  printf 'import time\nfrom covered.a import f\nfrom covered.b import g\n\ndef test_%s():\n    time.sleep(0.7)\n    assert f(%s) == ("a" if %s %% 2 else "not a")\n' \
    "$i" "$((i % 2))" "$((i % 2))" >"tests/test_more_$i.py"
done
cat >.coveragerc <<'EOF2'
[run]
source = covered
relative_files = true
data_file = .coverage-runner${DISTRIBUTEST_RUNNER_INDEX}
EOF2
mkdir -p .distributest
cat >.distributest/config.toml <<'EOF2'
args = ["--cov", "--cov-report="]
[artifacts]
paths = [".coverage-runner*"]
EOF2
cov() { /usr/bin/python3 -m coverage "$@"; }

DISTRIBUTEST_RUNNER_INDEX=-serial /usr/bin/python3 -m pytest -q -p no:cacheprovider --cov --cov-report= >"$WORK/serial.out" 2>&1 ||
  { cat "$WORK/serial.out" >&2; fail "serial pytest --cov failed"; }
serial=$(DISTRIBUTEST_RUNNER_INDEX=-serial cov report -m)
rm -f .coverage-runner-serial

cluster_up 2 coverage
run_cluster -n 2 --json "$WORK/r.json"
assert_rc 0
mapfile -t data < <(find .distributest/artifacts -name '.coverage-runner*' -type f | sort)
((${#data[@]} >= 2)) || fail "wanted data files from both nodes, got: ${data[*]:-none}"
[[ " ${data[*]}" == *"/n1/"* && " ${data[*]}" == *"/n2/"* ]] || fail "data files not from both nodes: ${data[*]}"
# Every runner that ran files left its data (runner ids end in the node's runner index).
for pair in $(json_get "$WORK/r.json" "' '.join(sorted(set(f['node'] + '/' + f['runner'].rsplit('_', 1)[1] for f in r['files'])))"); do
  [[ -f .distributest/artifacts/${pair%/*}/.coverage-runner${pair#*/} ]] ||
    fail "runner ${pair#*/} on ${pair%/*} ran files but its coverage data did not come back: ${data[*]}"
done
DISTRIBUTEST_RUNNER_INDEX=-all cov combine --keep "${data[@]}" >"$WORK/combine.out" 2>&1 ||
  { cat "$WORK/combine.out" >&2; fail "coverage combine failed"; }
merged=$(DISTRIBUTEST_RUNNER_INDEX=-all cov report -m)
[[ $merged == "$serial" ]] || fail "merged coverage differs from serial:
--- serial
$serial
--- merged from ${#data[@]} runners
$merged"
echo "ok: coverage.py data from ${#data[@]} runners on 2 nodes, combined, equals the serial run line for line:"
echo "$merged"
