#!/usr/bin/env bash
# [artifacts] paths on 2 test-cluster nodes x 2 runners: what the tests wrote on the nodes that
# the globs match comes back into .distributest/artifacts/<node>/ after the runners end - also
# when the run fails - with nothing else of the copies; the JSON lists each node's count; a
# second run replaces the first run's files; a glob outside the project is refused with its
# file and line; a node killed after its runners are done, before the fetch, has its fetch
# error in the console and the JSON, and the other node's files still come back.
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: needs root and network namespaces for tools/testcluster"; exit 77; }
project=$WORK/app
mkdir -p "$project/tests" "$project/.distributest"
cd "$project"
printf '[pytest]\ntestpaths = tests\n' >pytest.ini
for i in 1 2 3 4 5 6 7 8; do
  cat >"tests/test_$i.py" <<PY
import os, time

def test_writes_artifact():
    os.makedirs("out/screens", exist_ok=True)
    with open("out/screens/test_$i.png", "w") as f:
        f.write(os.environ["DISTRIBUTEST_NODE"])
    with open("out/not_kept_$i.log", "w") as f:
        f.write("left on the node")
    time.sleep(0.3)
    assert $i != 5, "one failure: artifacts come back from a failed run too"
PY
done
printf '[artifacts]\npaths = ["out/screens/**"]\n' >.distributest/config.toml
cluster_up 2 artifacts
run_cluster -n 2 --json "$WORK/r.json"
assert_rc 1
[[ $(json_get "$WORK/r.json" "r['summary']['failures']") == 1 ]] || fail "wanted 1 failure"
art=.distributest/artifacts
total=0
for n in n1 n2; do
  [[ -d $art/$n ]] || fail "no $art/$n: $(ls -R .distributest 2>&1)"
  for f in "$art/$n"/out/screens/*.png; do
    [[ -e $f ]] || continue
    [[ $(cat "$f") == "$n" ]] || fail "$f was written on $(cat "$f"), not $n"
    total=$((total + 1))
  done
done
[[ $total == 8 ]] || fail "$total of 8 artifacts came back: $(find "$art" -type f)"
leftovers=$(find "$art" -type f ! -path '*/out/screens/*.png')
[[ -z $leftovers ]] || fail "files the globs do not match came back: $leftovers"
[[ $(json_get "$WORK/r.json" "sum(a['files'] for a in r['artifacts'])") == 8 ]] || fail "JSON artifacts: $(json_get "$WORK/r.json" "r['artifacts']")"
[[ $(json_get "$WORK/r.json" "sorted(a['node'] for a in r['artifacts'] if not a['error'])") == "['n1', 'n2']" ]] ||
  fail "JSON artifacts: $(json_get "$WORK/r.json" "r['artifacts']")"
log=$(sed -n 's/^log: //p' "$WORK/out" | tail -n 1)
grep -q "artifacts: 8 file(s) from 2 node(s)" "$log" || fail "no artifacts line in the run log $log"

# A second run: each node's directory holds this run's files only.
touch "$art/n1/stale.txt"
run_cluster -n 2 --json "$WORK/r2.json"
[[ ! -e $art/n1/stale.txt ]] || fail "an earlier run's file stayed in $art/n1"
[[ $(find "$art" -name '*.png' | wc -l) == 8 ]] || fail "second run: not 8 artifacts"

printf '[artifacts]\npaths = ["out/**", "../../etc/*"]\n' >.distributest/config.toml
run_cluster -n 2
assert_rc 2
grep -q "config.toml:2: 'artifacts.paths\[2\]' is \"../../etc/\*\": it must be a glob relative to the project" "$WORK/out" ||
  { cat "$WORK/out" >&2; fail "no file:line error for a glob outside the project"; }

# A node killed once its runners are done, before the artifacts are fetched: one runner per
# node; n2 holds the run open with a slow file while n1 runs all the others, and once every
# file has started and n1 has finished its own, n1 is killed (its sshd too).
printf '[artifacts]\npaths = ["out/screens/**"]\n' >.distributest/config.toml
mkdir -p t
for i in 1 2 3 4 5 6; do
  cat >"t/$i.sh" <<SH
mkdir -p out/screens
echo "\$DISTRIBUTEST_NODE" >out/screens/kill_$i.png
echo $i >>/tmp/started.log
if [ "\$DISTRIBUTEST_NODE" = n2 ]; then sleep 8; else sleep 0.4; fi
echo $i >>/tmp/done.log
SH
done
"$TC" run "$DT" -c "$config" -n 1 --framework command --command 'sh {file}' 't/*.sh' \
  --json "$WORK/k.json" >"$WORK/out" 2>&1 &
dt_pid=$!
lines_on() { { "$TC" exec "$1" cat "$2" 2>/dev/null || true; } | wc -l; }
for i in $(seq 300); do
  started2=$(lines_on n2 /tmp/started.log)
  done1=$(lines_on n1 /tmp/done.log)
  ((started2 >= 1 && done1 + started2 == 6)) && break
  kill -0 "$dt_pid" 2>/dev/null || break
  sleep 0.1
done
((started2 >= 1 && done1 + started2 == 6)) ||
  { wait "$dt_pid" || true; cat "$WORK/out" >&2; fail "no moment with n1 done and n2 busy (n1 did $done1, n2 started $started2)"; }
sleep 0.5  # n1's runner exits once told there is no more work
"$TC" kill n1
set +e
wait "$dt_pid"
rc=$?
set -e
assert_rc 0
error=$(json_get "$WORK/k.json" "[a['error'] for a in r['artifacts'] if a['node'] == 'n1'][0]")
[[ -n $error ]] || fail "killed n1: no fetch error in the JSON: $(json_get "$WORK/k.json" "r['artifacts']")"
error=${error%%$'\n'*}  # its first line (rsync's own lines follow)
assert_out_contains "artifacts from node n1 did not all come back: $error"
[[ $(json_get "$WORK/k.json" "[(a['files'], a['error']) for a in r['artifacts'] if a['node'] == 'n2'][0]") == "($started2, '')" ]] ||
  fail "killed n1: n2's artifacts: $(json_get "$WORK/k.json" "r['artifacts']") (n2 ran $started2 file(s))"
for f in "$art"/n2/out/screens/kill_*.png; do
  [[ -e $f && $(cat "$f") == n2 ]] || fail "killed n1: n2's artifact $f did not come back: $(find "$art" -type f)"
done
[[ $(find "$art/n2" -name 'kill_*.png' | wc -l) == "$started2" ]] || fail "killed n1: not all of n2's files came back"

echo "ok: [artifacts] paths: 8 files back from 2 nodes into .distributest/artifacts/<node>/ after a failed run, nothing else, replaced on the next run; n1 killed before the fetch: '$error' reported, n2's $started2 file(s) back"
