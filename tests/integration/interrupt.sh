#!/usr/bin/env bash
# SIGINT stops feeding, ends every runner's process group, prints the partial summary, exits 130.
source "$(dirname "$0")/lib.sh"
project=$WORK/int
mkdir -p "$project/t"
cd "$project"
echo 'exit 0' > t/fast.sh
# 41.3: a duration no other test sleeps (tests run side by side, and pgrep sees them all).
for i in 1 2 3 4; do echo 'sleep 41.3' > "t/slow$i.sh"; done
set +e
"$DT" -n 2 --framework command --command 'sh {file}' 't/*.sh' >"$WORK/out" 2>&1 &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
set -e
assert_rc 130
assert_out_contains "not run"
assert_no_process '^sleep 41\.3$'
echo "ok: interrupt"
