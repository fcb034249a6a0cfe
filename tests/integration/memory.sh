#!/usr/bin/env bash
# The master's memory stays bounded by what the reports need (issue: "master memory grows with
# files and restarts"), measured as peak RSS with /usr/bin/time on local runs:
#  1. 60 passing files printing 1.1 MB each: their output goes to the run log, not into the
#     results (was 71 MB of RSS);
#  2. 400 files that each kill their runner (twice: max_attempts): every one is an error, the runner restarted each
#     time, and the finished processes' entries are freed (was 114 MB, 420 MB with both).
source "$(dirname "$0")/lib.sh"
[[ -x /usr/bin/time ]] || { echo "SKIP: /usr/bin/time (package time) is not installed"; exit 77; }

peak_mb() {  # peak_mb: the last run's peak RSS in MB
  awk '/Maximum resident set size/ {print int($NF / 1024)}' "$WORK/time"
}

run_measured() {
  set +e
  /usr/bin/time -v -o "$WORK/time" "$DT" -n 2 --framework command --command 'sh {file}' \
    --json report.json "$@" >"$WORK/out" 2>&1
  rc=$?
  set -e
}

cd "$WORK"
mkdir -p chatty/t crashing/t
for i in $(seq 60); do echo 'head -c 1100000 /dev/zero | tr "\0" x; echo; echo done' > "chatty/t/p$i.sh"; done
# The file's sh -> the command's sh -> the runner (the adapter's sh): kill the runner.
for i in $(seq 400); do echo 'kill -KILL $(ps -o ppid= -p $PPID)' > "crashing/t/c$i.sh"; done

cd "$WORK/chatty"
run_measured 't/*.sh'
assert_rc 0
[[ $(json_get report.json "sum(f['status'] == 'passed' and f['output'] == '' for f in r['files'])") == 60 ]] ||
  fail "passed files kept their output in the results"
grep -q done "$(sed -n 's/^.*log: \(\/.*\.log\)$/\1/p' "$WORK/out" | tail -n 1)" || fail "the run log lost the output"
mb=$(peak_mb)
((mb < 40)) || fail "60 chatty passing files: the master's peak RSS is $mb MB"
echo "ok: 60 passing files x 1.1 MB of output: master peak RSS $mb MB"

cd "$WORK/crashing"
run_measured 't/*.sh'
assert_rc 1
[[ $(json_get report.json "sum(f['status'] == 'error' for f in r['files'])") == 400 ]] ||
  fail "not every crashing file is an error: $(tail -n 5 "$WORK/out")"
mb=$(peak_mb)
((mb < 40)) || fail "400 runner restarts: the master's peak RSS is $mb MB"
echo "ok: 400 files killing their runner, 400 restarts: master peak RSS $mb MB"
