#!/usr/bin/env bash
# Files that kill their runner are errors with their output (after the retry), files over
# --timeout are killed with their whole process group, and every other result still arrives.
source "$(dirname "$0")/lib.sh"
project=$(project_from crash)
cd "$project"

run_dt -n 2 --json report.json spec
assert_rc 1
status_of() { json_get report.json "[f for f in r['files'] if f['path']=='$1'][0]['$2']"; }
[[ $(status_of spec/ok_spec.rb status) == passed ]] || fail "ok_spec did not pass"
for f in spec/exit_bang_spec.rb spec/segfault_spec.rb; do
  [[ $(status_of "$f" status) == error ]] || fail "$f: wanted error"
  [[ $(status_of "$f" attempts) == 2 ]] || fail "$f: wanted 2 attempts"
done
# Ruby turns SIGSEGV into an abort (SIGABRT) after printing its crash report.
[[ $(status_of spec/segfault_spec.rb error) == *"killed by signal"* ]] || fail "the signal is not named"
echo "ok: rspec crashes"

run_dt -n 2 --json report.json --framework pytest tests
assert_rc 1
[[ $(status_of tests/test_os_exit.py status) == error ]] || fail "os._exit: wanted error"
[[ $(status_of tests/test_os_exit.py error) == *"status 3"* ]] || fail "exit status not named"
[[ $(status_of tests/test_ok.py status) == passed ]] || fail "test_ok did not pass"
echo "ok: pytest crash"

start=$(date +%s)
run_dt -n 2 --json report.json --timeout 2 --framework command --command 'sh {file}' 'scripts/*.sh'
assert_rc 1
elapsed=$(( $(date +%s) - start ))
[[ $(status_of scripts/sleep_30.sh status) == timeout ]] || fail "sleep_30: wanted timeout"
[[ $(status_of scripts/sleep_child_30.sh status) == timeout ]] || fail "sleep_child_30: wanted timeout"
[[ $(status_of scripts/ok.sh status) == passed ]] || fail "ok.sh did not pass"
(( elapsed < 20 )) || fail "timeouts took ${elapsed}s"
# Anchored: testcluster.sh's 'sleep 300' on a node, run beside this, matched 'sleep 30'.
assert_no_process '^sleep 30$'
echo "ok: timeouts kill the process group"
