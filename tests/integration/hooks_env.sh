#!/usr/bin/env bash
# node_setup runs once, runner_setup once per runner with its id as $1, and every runner sees
# DISTRIBUTEST_RUNNER_ID/INDEX, DISTRIBUTEST_NODE and TEST_ENV_NUMBER as parallel_tests sets it.
source "$(dirname "$0")/lib.sh"
project=$WORK/hooks
mkdir -p "$project/t" "$project/.distributest"
cd "$project"
for i in 1 2 3 4 5 6; do
  printf 'echo "$DISTRIBUTEST_RUNNER_ID|$DISTRIBUTEST_RUNNER_INDEX|$DISTRIBUTEST_NODE|[$TEST_ENV_NUMBER]" >> "%s/env.log"\n' "$WORK" > "t/$i.sh"
done
cat > .distributest/config.toml <<TOML
framework = "command"
command = "sh {file}"
files = ["t/*.sh"]
[hooks]
node_setup = "echo node >> $WORK/node.log"
runner_setup = "echo \"\$1\" >> $WORK/runner.log"
TOML
run_dt -n 3
assert_rc 0
[[ $(wc -l <"$WORK/node.log") == 1 ]] || fail "node_setup ran $(wc -l <"$WORK/node.log") times"
[[ $(wc -l <"$WORK/runner.log") == 3 ]] || fail "runner_setup ran $(wc -l <"$WORK/runner.log") times"
[[ $(sort -u "$WORK/runner.log" | wc -l) == 3 ]] || fail "runner ids not unique"
grep -qE '^[a-z0-9_]+_local_1$' "$WORK/runner.log" || fail "bad runner id: $(cat "$WORK/runner.log")"
cut -d'|' -f2,4 "$WORK/env.log" | sort -u > "$WORK/index-env"
grep -qx '1|\[\]' "$WORK/index-env" || fail "runner 1 should have TEST_ENV_NUMBER=''"
grep -qx '2|\[2\]' "$WORK/index-env" || fail "runner 2 should have TEST_ENV_NUMBER=2"
grep -q '|local|' "$WORK/env.log" || fail "DISTRIBUTEST_NODE not set"
echo "ok: hooks and environment"

# A failing runner_setup leaves its runner out; with none left, exit 3.
sed -i 's/^runner_setup = .*/runner_setup = "echo db create failed; exit 4"/' .distributest/config.toml
run_dt -n 2
assert_rc 3
assert_out_contains "runner_setup exited with status 4"
assert_out_contains "db create failed"
echo "ok: failing hook"
