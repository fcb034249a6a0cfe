#!/usr/bin/env bash
# --retry N reruns a failed file on another runner; one that then passes is reported as flaky
# (counted and listed, never hidden); the exit status for flaky files follows `flaky`.
source "$(dirname "$0")/lib.sh"
project=$WORK/retry
mkdir -p "$project/t"
cd "$project"
# Fails on its first run, passes after: a flaky test.
printf 'if [ -e "%s/seen" ]; then exit 0; fi\ntouch "%s/seen"; echo "first run fails"; exit 1\n' "$WORK" "$WORK" > t/flaky.sh
echo 'exit 0' > t/ok.sh
echo 'echo always; exit 1' > t/broken.sh
flags=(-n 2 --framework command --command 'sh {file}' --json report.json)

run_dt "${flags[@]}" --retry 1 t/flaky.sh t/ok.sh
assert_rc 0
assert_out_contains "Flaky (failed, then passed on a rerun):"
assert_out_contains "1 flaky"
[[ $(json_get report.json "r['summary']['flaky']") == 1 ]] || fail "summary.flaky"
[[ $(json_get report.json "[f['flaky'] for f in r['files'] if f['path']=='t/flaky.sh'][0]") == True ]] || fail "files[].flaky"
first=$(json_get report.json "[f['runner'] for f in r['files'] if f['path']=='t/flaky.sh'][0]")
grep -q "failed on" <<<"$(json_get report.json "[f['error'] for f in r['files'] if f['path']=='t/flaky.sh'][0]")" ||
  fail "the flaky file does not say where it failed"
echo "ok: a flaky file is listed and counted (passed on $first), exit 0"

rm -f "$WORK/seen"
mkdir -p .distributest
echo 'flaky = "fail"' > .distributest/config.toml
run_dt "${flags[@]}" --retry 1 t/flaky.sh t/ok.sh
assert_rc 1
echo "ok: flaky = \"fail\" makes a flaky run exit 1"

run_dt "${flags[@]}" --retry 2 t/broken.sh t/ok.sh
assert_rc 1
[[ $(json_get report.json "[f['attempts'] for f in r['files'] if f['path']=='t/broken.sh'][0]") == 3 ]] ||
  fail "a file failing every time should run 1 + 2 times"
echo "ok: a file failing every time is a failure after its reruns"
