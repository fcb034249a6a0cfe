#!/usr/bin/env bash
# replay and bisect: an order-dependent failure (t/leak.sh leaves a marker that makes
# t/victim.sh fail) is replayed from the timing store, then bisected down to leak + victim.
source "$(dirname "$0")/lib.sh"
project=$WORK/order-project
mkdir -p "$project/.distributest" "$project/t"
cd "$project"
cat >.distributest/config.toml <<'TOML'
framework = "command"
command = "sh {file}"
files = ["t/*.sh"]
TOML
# leak leaves the marker; victim fails when it is there and always removes it, so every run
# that ends with victim starts the next one clean.
echo 'touch "$PWD/state"' >t/leak.sh
cat >t/victim.sh <<'SH'
if [ -e "$PWD/state" ]; then rm -f "$PWD/state"; echo "victim: leaked state found"; exit 1; fi
exit 0
SH
echo 'echo broken; exit 1' >t/broken.sh
for i in 1 2 3 4 5 6; do
  if ((i % 2)); then echo "sleep 0.05" >"t/innocent$i.sh"; else echo "true" >"t/innocent$i.sh"; fi
done
order=(t/innocent1.sh t/innocent2.sh t/leak.sh t/innocent3.sh t/innocent4.sh t/innocent5.sh
       t/innocent6.sh t/victim.sh)

run_dt -n 1 --local t/victim.sh
assert_rc 0
echo "ok: victim passes on its own"

run_dt -n 1 --local --in-order "${order[@]}"
assert_rc 1
[[ ! -e state ]] || fail "victim left the marker behind"

run_dt replay local_1
assert_rc 1
grep -qE "^distributest: replaying [a-z0-9_]+_local_1: 8 files in their order" "$WORK/out" ||
  { cat "$WORK/out" >&2; fail "no replaying line"; }
assert_out_contains "t/victim.sh"
echo "ok: replay local_1 runs the same 8 files in order and fails the same way"

run_dt replay no_such_runner
assert_rc 2
assert_out_contains "no_such_runner"
assert_out_contains "_local_1"
echo "ok: replay of an unknown runner exits 2 listing the recorded runners"

# The replay recorded the same order again: bisect from it. retry and fail_fast in the config
# must not change what a probe answers (a rerun of victim passes: it removes the marker).
printf 'retry = 1\nfail_fast = 1\n' >>.distributest/config.toml
run_dt bisect ./t/victim.sh
assert_rc 0
assert_out_contains "bisect: 7 candidates, testing 3 ..."
cmd=$(grep -A1 '^reproduce with:' "$WORK/out" | tail -1)
[[ $cmd == *"distributest -n 1 --local --retry 0 --in-order "* ]] || { cat "$WORK/out" >&2; fail "no command: $cmd"; }
[[ $cmd == *"'t/leak.sh' 't/victim.sh'"* ]] || { cat "$WORK/out" >&2; fail "bisect printed: $cmd"; }
[[ $cmd != *innocent* ]] || { cat "$WORK/out" >&2; fail "bisect kept an innocent file: $cmd"; }
echo "ok: bisect narrows 7 candidates to t/leak.sh: $cmd"
[[ ! -e state ]] || fail "bisect left the marker behind"

# Run the printed command, as is, with this distributest.
set +e
eval "\"\$DT\" ${cmd#*distributest }" >"$WORK/out" 2>&1
rc=$?
set -e
assert_rc 1
assert_out_contains "failed"
grep -q "failed.*t/victim.sh" "$WORK/out" || { cat "$WORK/out" >&2; fail "victim did not fail"; }
echo "ok: the printed command reproduces the failure"
sed -i '/^retry = 1$/d; /^fail_fast = 1$/d' .distributest/config.toml

run_dt -n 1 --local --in-order t/innocent1.sh t/broken.sh t/innocent2.sh
assert_rc 1
run_dt bisect t/innocent2.sh
assert_rc 1
assert_out_contains "did not reproduce"
echo "ok: bisect of a file that passes after its predecessors exits 1"

# bisect's own runs replaced the last run: record it again.
run_dt -n 1 --local --in-order t/innocent1.sh t/broken.sh t/innocent2.sh
assert_rc 1
run_dt bisect t/broken.sh
assert_rc 1
assert_out_contains "t/broken.sh fails on its own: not an order problem"
echo "ok: bisect of a file that fails on its own says so, exit 1"

# ---- parts of split files (issue 11): replay and bisect run the parts as they ran. The last
# run is written by hand, so which part holds the victim is known: runner 1 ran the innocent
# file, the leak, then part 1 of test_big.py, which is the victim test alone.
pyproject=$WORK/parts-project
mkdir -p "$pyproject/tests" "$pyproject/.distributest"
cd "$pyproject"
export DISTRIBUTEST_PYTHON=/usr/bin/python3 PYTHONDONTWRITEBYTECODE=1
printf '[pytest]\ntestpaths = tests\n' >pytest.ini
cat >tests/test_leak.py <<'PY'
import os
def test_leak():
    open(os.path.join(os.path.dirname(__file__), "..", "state"), "w").close()
PY
printf 'def test_ok():\n    pass\n' >tests/test_innocent.py
cat >tests/test_big.py <<'PY'
import os
STATE = os.path.join(os.path.dirname(__file__), "..", "state")
def test_victim():
    leaked = os.path.exists(STATE)
    if leaked:
        os.remove(STATE)
    assert not leaked, "leaked state found"
def test_other_1():
    pass
def test_other_2():
    pass
PY
printf '%s\n' '# distributest timings v2' '# last run' \
  $'pp_local_1\ttests/test_innocent.py' $'pp_local_1\ttests/test_leak.py' \
  $'pp_local_1\ttests/test_big.py\t1/2\tonly\ttests/test_big.py::test_victim' \
  $'pp_local_2\ttests/test_big.py\t2/2\texcept\ttests/test_big.py::test_victim' \
  >.distributest/timings

run_dt replay pp_local_1
assert_rc 1
assert_out_contains "replaying pp_local_1: 3 work items in their order (1 of them parts of split files, run as they ran)"
# Part 1 is the victim alone: 3 examples, not the 5 the whole files hold.
assert_out_contains "3 files (1 run in parts: 1 part), 3 examples, 1 failure"
[[ ! -e state ]] || fail "the victim left the marker behind"
echo "ok: replay of a runner that ran a part runs that part, not the whole file"

run_dt bisect tests/test_big.py
assert_rc 0
assert_out_contains "bisect: tests/test_big.py (part 1/2) ran on pp_local_1 after 2 files"
cmd=$(grep -A1 '^reproduce with:' "$WORK/out" | tail -1)
[[ $cmd == *"'tests/test_leak.py' 'tests/test_big.py'"* && $cmd != *innocent* ]] ||
  { cat "$WORK/out" >&2; fail "bisect printed: $cmd"; }
assert_out_contains "that command runs whole files"
echo "ok: bisect of a split file probes its part and finds tests/test_leak.py"
