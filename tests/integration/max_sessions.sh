#!/usr/bin/env bash
# How many SSH connections a node costs: one handshake carries the lock and up to 9 runners
# (sshd's default MaxSessions is 10), and a node whose sshd allows fewer sessions gets another
# connection when it refuses a channel, so every runner still starts.
#  1. default MaxSessions, 8 runners: exactly one login on the node, every runner ran files;
#  2. MaxSessions 3, 7 runners: every runner ran files, every file passed, and the node took
#     more logins (3 channels each: the lock and 7 runners need at least 3 connections).
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: the test cluster needs root and network namespaces"; exit 77; }

project=$WORK/app
mkdir -p "$project/t"
for i in $(seq 24); do echo 'sleep 0.3' >"$project/t/$i.sh"; done
cd "$project"
logins() { grep -c 'Accepted publickey' "$DISTRIBUTEST_TESTCLUSTER_DIR/n1/sshd.log" || true; }
check_runs() {  # check_runs RUNNERS WHAT
  [[ $(json_get report.json "sum(f['status'] == 'passed' for f in r['files'])") == 24 ]] ||
    fail "$2: not every file passed: $(tail -20 "$WORK/out")"
  [[ $(json_get report.json "len([x for x in r['runners'] if x['files']])") == "$1" ]] ||
    fail "$2: not every runner ran files: $(json_get report.json "[(x['id'], x['status'], len(x['files'])) for x in r['runners']]")"
}

cluster_up 1 sessions
before=$(logins)
run_cluster --nodes n1 -n 8 --framework command --command 'sh {file}' 't/*.sh' --json report.json
assert_rc 0
check_runs 8 "8 runners, MaxSessions 10"
[[ $(($(logins) - before)) == 1 ]] || fail "8 runners took $(($(logins) - before)) logins on n1, wanted 1"
echo "ok: 8 runners and the lock on one connection: 1 login"
"$TC" down >/dev/null

export DISTRIBUTEST_TESTCLUSTER_MAX_SESSIONS=3
config=$("$TC" up 1 2>/dev/null | tail -n 1)
run_cluster --nodes n1 -n 7 --framework command --command 'sh {file}' 't/*.sh' --json report.json
assert_rc 0
check_runs 7 "7 runners, MaxSessions 3"
n=$(logins)
((n >= 3)) || fail "7 runners under MaxSessions 3 took $n logins, wanted at least 3"
echo "ok: MaxSessions 3: 7 runners all ran, on $n connections opened as sshd refused channels"
