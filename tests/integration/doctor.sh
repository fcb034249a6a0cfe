#!/usr/bin/env bash
# `distributest doctor` on a real test cluster (tools/testcluster): with 2 healthy nodes it exits
# 0 with a row per node (reachable, cores, the pytest version); a cut node makes it exit 1 with
# the node unreachable and a fix; an empty known_hosts shows "unknown" host keys and the fix
# names accept-new. Without nodes it says this box alone is used.
source "$(dirname "$0")/lib.sh"

# No nodes: no cluster needed.
project=$WORK/p
mkdir -p "$project/tests"
echo 'def test_x(): assert True' > "$project/tests/test_x.py"
mkdir -p "$project/.distributest"
printf 'framework = "pytest"\n' > "$project/.distributest/config.toml"
printf 'framework = "pytest"\n' > "$WORK/none.toml"
cd "$project"
run_dt doctor -c "$WORK/none.toml"
assert_rc 0
assert_out_contains "this box alone is used"
echo "ok: doctor without nodes"

cluster_available || { echo "SKIP: the test cluster needs root and network namespaces"; exit 77; }
cluster_up 2 doctor

run_doctor() {  # run_doctor CONFIG: doctor in the control namespace, output in $WORK/out
  set +e
  "$TC" run "$DT" doctor -c "$1" >"$WORK/out" 2>&1
  rc=$?
  set -e
}
row() { grep -E "^$1 " "$WORK/out" || fail "no row for $1: $(cat "$WORK/out")"; }

# Healthy: both nodes usable.
run_doctor "$config"
assert_rc 0
pytest_version=$(/usr/bin/python3 -c 'import pytest; print(pytest.__version__)')
for n in n1 n2; do
  r=$(row "$n")
  [[ $r == *" yes "* ]] || fail "$n not reachable: $r"
  [[ $r == *"known"* && $r == *" key /"*"id_ed25519"* ]] || fail "$n: host key / auth method: $r"
  [[ $r == *"pytest $pytest_version"* ]] || fail "$n: no pytest version: $r"
  cores=$(awk '{print $(NF-4)}' <<<"$r" | tr -d ' ')
  [[ $cores =~ ^[0-9]+$ ]] && ((cores > 0)) || fail "$n: cores '$cores': $r"
done
assert_out_contains "every node is usable"
# The CPU probe's figures, as runners = "auto" and "idle" count them.
grep -qE '^cpus n1: [0-9]+ CPUs?.*, load [0-9.]+ \(runners auto [0-9]+, idle [0-9]+\)$' "$WORK/out" ||
  fail "no CPU line for n1: $(cat "$WORK/out")"
echo "ok: doctor on 2 healthy nodes"
grep -E "^(NODE|n1|n2) " "$WORK/out"

# n2 cut: exit 1, n2 unreachable with a fix line; n1 still fine.
"$TC" cut n2
run_doctor "$config"
"$TC" heal n2
assert_rc 1
r=$(row n2)
[[ $r == *" no "* ]] || fail "cut n2 not unreachable: $r"
grep -q "^fix n2: unreachable" "$WORK/out" || fail "no fix for n2: $(cat "$WORK/out")"
grep -q "^fix n1" "$WORK/out" && fail "n1 got a fix: $(cat "$WORK/out")"
[[ $(row n1) == *" yes "* ]] || fail "n1 not reachable while n2 is cut"
echo "ok: a cut node is unreachable, with a fix"

# An empty known_hosts: unknown host keys; the fix names accept-new.
: > "$WORK/known_hosts"
sed "s|^known_hosts = .*|known_hosts = \"$WORK/known_hosts\"|" "$config" > "$WORK/strict.toml"
run_doctor "$WORK/strict.toml"
assert_rc 1
for n in n1 n2; do
  [[ $(row "$n") == *"unknown"* ]] || fail "$n: host key not unknown: $(row "$n")"
done
grep -q '^fix n1: .*unknown host key' "$WORK/out" || fail "no unknown-key fix: $(cat "$WORK/out")"
grep -q 'accept-new' "$WORK/out" || fail "the fix does not mention accept-new"
[[ ! -s $WORK/known_hosts ]] || fail "doctor wrote known_hosts under the strict policy"
echo "ok: unknown host keys, fix names accept-new"

# A key the nodes do not know: auth fails; the fix suggests an ed25519 key and ssh-copy-id.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other_key"
sed "s|^identity = .*|identity = \"$WORK/other_key\"|" "$config" > "$WORK/badkey.toml"
run_doctor "$WORK/badkey.toml"
assert_rc 1
[[ $(row n1) == *"failed"* ]] || fail "n1: auth not failed: $(row n1)"
grep -q '^fix n1: .*ssh-copy-id' "$WORK/out" || fail "no auth fix: $(cat "$WORK/out")"
echo "ok: a failed auth, fix names ssh-copy-id"
