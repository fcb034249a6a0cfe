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
