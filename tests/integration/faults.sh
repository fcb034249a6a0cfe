#!/usr/bin/env bash
# Fault tolerance on a real 3-node test cluster (tools/testcluster: sshd in namespaces):
#  1. a node killed mid-run is declared lost at once, its files in flight run elsewhere, every
#     file is reported exactly once;
#  2. a runner SIGKILLed under a file: the file is requeued and passes on its second attempt
#     (killed every time: `error` after max_attempts with its output); the runner is restarted;
#  3. a file hung beyond --timeout: `timeout` after ~2 s, its processes gone from the node, the
#     run goes on, the runner is restarted;
#  4. the master interrupted (SIGINT: exit 130, partial summary) or SIGKILLed: nothing of ours
#     is left on any node within 5 s; SIGINT while still connecting ends the run at once;
#  5. nodes unusable at the start (refused key, failing node_setup, failing rsync) are each
#     reported with the reason while the others run the suite; none usable: exit 3;
#  6. --fail-fast ends a cluster run within ~3 s of the first failure, leaving nothing behind;
#  7. a file flooding 200 MB of output neither stalls the other runners nor the master's memory.
# Each check prints an `ok:` line with what it measured.
source "$(dirname "$0")/lib.sh"
((EUID == 0)) || { echo "SKIP: the test cluster needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "SKIP: ip netns is unavailable"; exit 77; }
unshare --net --uts --mount --pid --fork true 2>/dev/null || { echo "SKIP: no namespaces here"; exit 77; }

DT=$(readlink -f "$DT")
TC=$SRC/tools/testcluster
export DISTRIBUTEST_TESTCLUSTER_DIR=/run/distributest-faults-it.$$
trap '"$TC" down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
config=$("$TC" up 3 2>/dev/null | tail -n 1)
host=$(hostname -s)
NODES=(n1 n2 n3)
CMD=(--framework command --command 'sh {file}')

now() { date +%s.%N; }

# A check that found a distributest bug: print a clear FAIL, go on with the other cases, and
# fail the test at the end.
bugs=0
bug() {
  echo "FAIL: $*" >&2
  bugs=$((bugs + 1))
}
# calc EXPR: a Python expression, printed (floats with 2 decimals).
calc() {
  /usr/bin/python3 -c 'import sys; v = eval(sys.argv[1]); print(f"{v:.2f}" if isinstance(v, float) else v)' "$1"
}
# check EXPR: whether a Python expression is true.
check() { /usr/bin/python3 -c 'import sys; sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"; }

# Runs distributest inside the control namespace, where the nodes are.
run_cluster() {
  set +e
  "$TC" run "$DT" "$@" >"$WORK/out" 2>&1
  rc=$?
  set -e
}

# Starts distributest in the background (its pid in $dt_pid: `testcluster run` execs it).
start_cluster() {
  "$TC" run "$DT" "$@" >"$WORK/out" 2>&1 &
  dt_pid=$!
}

wait_cluster() {
  set +e
  wait "$dt_pid" 2>/dev/null  # no "Killed" notice from bash
  rc=$?
  set -e
}

# The run log of the last run (named on its last "log:" line).
run_log() { sed -n 's/^.*log: \(\/.*\.log\)$/\1/p' "$WORK/out" | tail -n 1; }

# log_time PATTERN: the epoch time of the first line of the run log matching the ERE.
log_time() {
  local line
  line=$(grep -m 1 -E -- "$1" "$(run_log)") || fail "the run log has no line matching '$1'"
  date -d "${line%% *}" +%s.%N
}

# Our processes on a node: everything but sshd and ps (one "pid cmd" per line).
ours_on() {
  "$TC" exec "$1" ps -eo pid=,cmd= | grep -v -E '^ *[0-9]+ (sshd: |ps -eo )' || true
}

# wait_nodes_clean SECONDS [NODES...]: waits until no process of ours is left on the (live)
# nodes; sets $clean_after (seconds from the call); fails after SECONDS with what is left.
wait_nodes_clean() {
  local limit=$1 t0 n left
  shift
  t0=$(now)
  while :; do
    left=
    for n in "${@:-${NODES[@]}}"; do
      left+=$(ours_on "$n" | sed "s/^/$n: /")
    done
    clean_after=$(calc "$(now) - $t0")
    [[ -z $left ]] && return 0
    check "$clean_after > $limit" && fail "still running after ${clean_after}s: $left"
    sleep 0.1
  done
}

# wait_on NODE PATTERN [SECONDS]: until a process whose whole command line is PATTERN runs there
# (during a run started with start_cluster).
wait_on() {
  local i
  for i in $(seq $((${3:-20} * 10))); do
    "$TC" exec "$1" pgrep -xf -- "$2" >/dev/null && return 0
    kill -0 "$dt_pid" 2>/dev/null || break  # the master ended already
    sleep 0.1
  done
  cat "$WORK/out" >&2
  fail "'$2' never ran on $1"
}

# A project of shell test files: new_project NAME, then files with `put PATH CONTENT`.
new_project() {
  project=$WORK/$1
  mkdir -p "$project/t" "$project/.distributest"
  cd "$project"
}
put() { printf '%s\n' "$2" > "$project/$1"; }
# A file that must be dispatched first (slowest first: no timings yet, so the largest file).
put_first() { printf '%s\n# %s\n' "$2" "$(printf 'padding so this file is dispatched first %.0s' 1 2 3 4)" > "$project/$1"; }

file_field() {  # file_field REPORT PATH KEY
  json_get "$1" "[f for f in r['files'] if f['path'] == '$2'][0]['$3']"
}

# ---------------------------------------------------------------------------------------------
# 1. A node killed mid-run (all its processes, sshd included, die at once: the kernel closes its
#    connections) is declared lost; its files in flight run elsewhere; every file is reported once.
new_project killed
for i in $(seq 12); do put "t/$i.sh" 'sleep 3'; done
start_cluster -c "$config" -n 2 "${CMD[@]}" 't/*.sh' --json report.json --html report.html
wait_on n2 'sleep 3'
sleep 1  # mid-file
killed_at=$(now)
"$TC" kill n2
wait_cluster
assert_rc 0
started=$(log_time '\] run started')
lost_logged=$(log_time '\] error: node n2 lost after')
[[ $(json_get report.json "r['summary']['files']") == 12 ]] || fail "killed node: not every file reported: $(cat "$WORK/out")"
[[ $(json_get report.json "r['summary']['not_run']") == 0 ]] || fail "killed node: files not run"
[[ $(json_get report.json "len(set(f['path'] for f in r['files']))") == 12 ]] || fail "killed node: a file reported twice"
[[ $(json_get report.json "sorted(f['path'] for f in r['files'] if f['status'] == 'passed')") == \
   "$(json_get report.json "sorted(f['path'] for f in r['files'])")" ]] || fail "killed node: not every file passed"
lost=$(json_get report.json "[n['status'] for n in r['nodes'] if n['name'] == 'n2'][0]")
[[ $lost == "lost after "* ]] || fail "killed node: n2 not reported lost: $lost"
kill_at=$(calc "$killed_at - $started")
to_loss=$(calc "$lost_logged - $killed_at")
requeued=$(json_get report.json "len([f for f in r['files'] if f['attempts'] == 2 and f['node'] != 'n2'])")
in_flight=$(grep -c -E 'runner [a-z0-9_]+_n2_[0-9]+: .* while running t/.*requeued' "$WORK/out" || true)
((requeued >= 1 && requeued == in_flight)) ||
  fail "killed node: $in_flight files in flight on n2 requeued, $requeued ran again: $(cat "$WORK/out")"
[[ $(json_get report.json "len([f for f in r['files'] if f['node'] == 'n2'])") == 0 ]] ||
  fail "killed node: n2 reported results it cannot have finished"
# The loss is noticed through the broken connection: well under the ~9 s of a silent cut link.
check "$to_loss < 3" || fail "killed node: n2 killed at ${kill_at}s of the run, lost only ${to_loss}s later"
# The reports keep the lost tries where they happened: on n2, ending when n2 was lost.
lost_s=$(json_get report.json "[n['lost_seconds'] for n in r['nodes'] if n['name'] == 'n2'][0]")
[[ $(json_get report.json "sorted(set((a['node'], a['outcome']) for f in r['files'] for a in f['earlier_attempts']))") == \
   "[('n2', 'requeued')]" ]] || fail "killed node: the lost tries are not recorded on n2"
[[ $(json_get report.json "sum(len(f['earlier_attempts']) for f in r['files'])") == "$requeued" ]] ||
  fail "killed node: one earlier try per requeued file wanted"
check "$(json_get report.json "max(a['started_seconds'] + a['duration_seconds'] for f in r['files'] for a in f['earlier_attempts'])") <= $lost_s + 0.01" ||
  fail "killed node: a lost try ends after n2 was lost (${lost_s}s)"
load_page "$PWD/report.html" "$WORK/dom.html"
[[ $(count_in "$WORK/dom.html" 'class="try requeued"') == "$requeued" ]] || fail "killed node: the lost tries are not drawn"
[[ $(count_in "$WORK/dom.html" 'class="lostmark" title="node n2 lost after') == 2 ]] || fail "killed node: n2's 2 lanes are not marked lost"
echo "ok: 1. node n2 killed at ${kill_at}s of the run, n2 '$lost', logged ${to_loss}s after the kill;" \
  "12/12 files reported once, 0 not run, its $requeued files in flight passed elsewhere on attempt 2"
wait_nodes_clean 5 n1 n3

# A fresh cluster for the rest (a killed node cannot come back).
"$TC" down >/dev/null 2>&1
config=$("$TC" up 3 2>/dev/null | tail -n 1)

# ---------------------------------------------------------------------------------------------
# 2. A runner SIGKILLed under a file. The target is the adapter (templates/runners/command) that
#    runs the file: on the node it is `sleep X` <- `sh t/F.sh` <- `sh -c sh "$1" ...` <- adapter.
#    once.sh is killed on its first attempt only: it passes on the second. always.sh is killed on
#    every attempt: `error` after max_attempts (2), with the output it printed.
new_project runner-kill
put_first t/once.sh 'sleep 3.77'
put_first t/always.sh 'echo always-output-before-the-kill; sleep 3.88'
for i in $(seq 8); do put "t/f$i.sh" 'sleep 0.5'; done
# shellcheck disable=SC2016 # runs on the node, expanded there
killer='
  echo watching
  kills_77=0 kills_88=0 i=0 done_pids=" "
  while [ $i -lt 300 ] && [ $((kills_77 + kills_88)) -lt 3 ]; do
    for pat in "sleep 3.77" "sleep 3.88"; do
      [ "$pat" = "sleep 3.77" ] && [ $kills_77 -ge 1 ] && continue
      # The test process of a killed adapter outlives it by the wrapper grace (1 s), longer under
      # load: skip the ones already dealt with rather than wait, or a loaded box finds the next
      # attempt only near its end and kills the runner under the file after it.
      s=
      for c in $(pgrep -xf "$pat"); do
        case $done_pids in *" $c "*) ;; *) s=$c; break ;; esac
      done
      [ -n "$s" ] || continue
      done_pids="$done_pids$s "
      echo "found $(date +%s.%N) $pat: $s"
      sleep 0.5  # mid-file, after its output
      p=$(ps -o ppid= -p "$s"); p=$(ps -o ppid= -p $p); p=$(ps -o ppid= -p $p)
      case $(ps -o cmd= -p $p) in
        *.distributest-runtime/runners/command*) ;;
        *) echo "not the adapter: $(ps -o cmd= -p $p)"; exit 1 ;;
      esac
      # Still under that file (a loaded box may have taken 0.5 s to get here)?
      kill -0 "$s" 2>/dev/null || { echo "missed $pat: it ended first"; exit 1; }
      kill -KILL $p && echo "killed $(date +%s.%N) $pat: adapter $p"
      if [ "$pat" = "sleep 3.77" ]; then kills_77=$((kills_77 + 1)); else kills_88=$((kills_88 + 1)); fi
    done
    sleep 0.05; i=$((i + 1))
  done
  echo "kills: $kills_77 $kills_88"'
"$TC" exec n1 sh -c "$killer" >"$WORK/killer" 2>&1 &
killer_pid=$!
# The run starts once the killer watches (a loaded box can take seconds to enter the node).
for _ in $(seq 200); do grep -q '^watching$' "$WORK/killer" && break; sleep 0.05; done
run_cluster -c "$config" --nodes n1 -n 2 -v "${CMD[@]}" 't/*.sh' --json report.json
wait "$killer_pid" || { cat "$WORK/killer" >&2; fail "runner kill: the killer failed"; }
grep -q '^kills: 1 2$' "$WORK/killer" || { cat "$WORK/killer" "$WORK/out" >&2; fail "runner kill: wanted 3 kills"; }
assert_rc 1
[[ $(file_field report.json t/once.sh status) == passed ]] || fail "runner kill: once.sh did not pass: $(cat "$WORK/out")"
[[ $(file_field report.json t/once.sh attempts) == 2 ]] || fail "runner kill: once.sh wanted 2 attempts"
[[ $(file_field report.json t/always.sh status) == error ]] || fail "runner kill: always.sh wanted error"
[[ $(file_field report.json t/always.sh attempts) == 2 ]] || fail "runner kill: always.sh wanted 2 attempts"
[[ $(file_field report.json t/always.sh output) == *always-output-before-the-kill* ]] ||
  fail "runner kill: always.sh's output is lost: $(file_field report.json t/always.sh output)"
always_error=$(file_field report.json t/always.sh error)
[[ $(json_get report.json "r['summary']['files']") == 10 && $(json_get report.json "r['summary']['not_run']") == 0 ]] ||
  fail "runner kill: not every file reported"
[[ $(json_get report.json "[f['status'] for f in r['files'] if f['path'].startswith('t/f')]") == "$(calc "['passed'] * 8")" ]] ||
  fail "runner kill: the other files did not all pass"
restarts=$(grep -c -E 'runner [a-z0-9_]+: restarting' "$WORK/out" || true)
first_kill=$(sed -n 's/^killed \([0-9.]*\) sleep 3.77:.*/\1/p' "$WORK/killer")
requeue_after=$(calc "$(log_time 'while running t/once\.sh; requeued') - $first_kill")
[[ $restarts == 3 ]] || { cat "$WORK/out" >&2; fail "runner kill: wanted 3 runner restarts, saw $restarts"; }
[[ $(json_get report.json "[x['status'] for x in r['runners']]") == "['ok', 'ok']" ]] ||
  fail "runner kill: a runner was left out: $(json_get report.json "r['runners']")"
# Each killed runner's slot went on with files after the kill.
after_kill=$(json_get report.json "sum(len(x['files']) - 1 - max(i for i, f in enumerate(x['files']) if f in ('t/once.sh', 't/always.sh')) for x in r['runners'] if 't/once.sh' in x['files'] or 't/always.sh' in x['files'])")
echo "ok: 2. runner SIGKILLed 3 times on n1: once.sh requeued ${requeue_after}s after the kill, passed on attempt 2;" \
  "always.sh error after 2 attempts ('${always_error%%$'\n'*}') with its output; 3 restarts logged," \
  "runners all ok, $after_kill file(s) run after a kill by restarted runners"
wait_nodes_clean 5

# ---------------------------------------------------------------------------------------------
# 3. A file hung beyond --timeout: `timeout` after ~2 s, its process group gone from the node,
#    the other files run on, the runner is restarted.
new_project hang
put_first t/hang.sh 'sleep 60'
for i in $(seq 10); do put "t/f$i.sh" 'sleep 1'; done
run_cluster -c "$config" -n 1 -v --timeout 2 "${CMD[@]}" 't/*.sh' --json report.json
ended=$(now)
assert_rc 1
[[ $(file_field report.json t/hang.sh status) == timeout ]] || fail "hang: wanted timeout, got $(file_field report.json t/hang.sh status)"
hang_duration=$(calc "$(file_field report.json t/hang.sh duration_seconds)")
hang_node=$(file_field report.json t/hang.sh node)
hang_runner=$(file_field report.json t/hang.sh runner)
check "1.9 <= $hang_duration <= 2.5" ||
  bug "hang: --timeout 2 on a node reports duration ${hang_duration}s, wanted ~2s (a local runner reports 2.0s)"
[[ $(json_get report.json "r['summary']['files']") == 11 && $(json_get report.json "r['summary']['not_run']") == 0 ]] ||
  fail "hang: not every file ran"
[[ $(json_get report.json "sorted(set(f['status'] for f in r['files'] if f['path'] != 't/hang.sh'))") == "['passed']" ]] ||
  fail "hang: the other files did not all pass"
assert_out_contains "runner $hang_runner: restarting"
after_hang=$(json_get report.json "(lambda fs: len(fs) - 1 - fs.index('t/hang.sh'))([x['files'] for x in r['runners'] if x['id'] == '$hang_runner'][0])")
((after_hang >= 1)) || fail "hang: the restarted runner $hang_runner ran nothing more"
while :; do
  left=
  for n in "${NODES[@]}"; do left+=$("$TC" exec "$n" pgrep -axf 'sleep 60' | sed "s/^/$n: /" || true); done
  gone=$(calc "$(now) - $ended")
  [[ -z $left ]] && break
  check "$gone > 5" && fail "hang: 'sleep 60' still running ${gone}s after the run: $left"
  sleep 0.1
done
echo "ok: 3. hung file on $hang_node: timeout after ${hang_duration}s; no 'sleep 60' on any node" \
  "${gone}s after the run; 10 other files passed; $hang_runner restarted and ran $after_hang more file(s)"
wait_nodes_clean 5

# 3b. Six runners on one node time out together and restart at once, on the node's one
#     connection (sshd's MaxSessions 10): every one of them comes back. (A review suspected sshd
#     would refuse the new sessions while the old ones die; it did not here, before or after
#     channels learned to wait up to 5 s for a session slot.)
new_project burst
for i in $(seq 6); do put_first "t/hang$i.sh" 'sleep 60'; done
for i in $(seq 6); do put "t/f$i.sh" 'sleep 0.2'; done
run_cluster -c "$config" --nodes n1 -n 6 --timeout 1 "${CMD[@]}" 't/*.sh' --json report.json
assert_rc 1
[[ $(json_get report.json "sorted(f['status'] for f in r['files'])") == \
   "$(printf "['passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout']")" ]] ||
  fail "burst: wanted 6 timeouts and 6 passes: $(json_get report.json "[(f['path'], f['status']) for f in r['files']]") $(cat "$WORK/out")"
[[ $(json_get report.json "[x['status'] for x in r['runners'] if x['status'] != 'ok']") == "[]" ]] ||
  fail "burst: runners left out: $(json_get report.json "[x['status'] for x in r['runners']]")"
echo "ok: 3b. 6 runners timed out together on n1 and all 6 came back (MaxSessions 10)"
wait_nodes_clean 5

# ---------------------------------------------------------------------------------------------
# 4. The master interrupted during a cluster run: SIGINT = exit 130 with the partial summary;
#    SIGKILL = the channels die with it and each node's wrapper ends its process group. Either
#    way nothing of ours (runner, hook, lock holder, test) is left on any node within 5 s.
new_project master
for i in $(seq 8); do put "t/$i.sh" 'sleep 40'; done
start_cluster -c "$config" -n 2 "${CMD[@]}" 't/*.sh' --json report.json
for n in "${NODES[@]}"; do wait_on "$n" 'sleep 40'; done
t0=$(now)
kill -INT "$dt_pid"
wait_cluster
int_exit=$(calc "$(now) - $t0")
assert_rc 130
assert_out_contains "not run"
[[ $(json_get report.json "r['summary']['interrupted']") == True ]] || fail "SIGINT: not marked interrupted"
not_run=$(json_get report.json "r['summary']['not_run']")
((not_run == 8)) || fail "SIGINT: wanted 8 files not run, got $not_run"
wait_nodes_clean 5
echo "ok: 4a. SIGINT: exit 130 after ${int_exit}s, partial summary ($not_run not run);" \
  "nodes clean ${clean_after}s after the exit"

start_cluster -c "$config" -n 2 "${CMD[@]}" 't/*.sh'
for n in "${NODES[@]}"; do wait_on "$n" 'sleep 40'; done
before=$(for n in "${NODES[@]}"; do ours_on "$n"; done | wc -l)
kill -KILL "$dt_pid"
wait_cluster
wait_nodes_clean 5
echo "ok: 4b. SIGKILL of the master: $before processes of ours on the nodes before, none" \
  "${clean_after}s after the kill"

# ... and while node_setup runs on every node. The hook must live as long as the master does:
# check it still runs 2 s in (a remote wrapper's watchdog must not mistake the hook's closed
# stdin for the master's death).
printf '[hooks]\nnode_setup = "sleep 30.5"\n' > .distributest/config.toml
start_cluster -c "$config" -n 2 "${CMD[@]}" 't/*.sh'
for n in "${NODES[@]}"; do wait_on "$n" 'sleep 30.5'; done
sleep 2
alive=0
for n in "${NODES[@]}"; do
  if "$TC" exec "$n" pgrep -xf 'sleep 30.5' >/dev/null; then alive=$((alive + 1)); fi
done
master_alive=0
if kill -KILL "$dt_pid" 2>/dev/null; then master_alive=1; fi
wait_cluster
wait_nodes_clean 5
rm .distributest/config.toml
if ((alive == 3 && master_alive)); then
  echo "ok: 4c. SIGKILL of the master during node_setup: nodes clean ${clean_after}s after the kill"
else
  bug "node_setup 'sleep 30.5' was killed within 2 s on $((3 - alive)) of 3 nodes while the master" \
    "lived (master still running: $master_alive): $(grep -m 1 'node_setup' "$WORK/out")"
  echo "ok: 4c. (hooks already dead) nodes clean ${clean_after}s after the master's end"
fi

# ... and while connecting, with n3's link cut (its TCP connect would wait the 10 s connect
# timeout): the run ends at once with exit 130, nothing started on the nodes.
"$TC" cut n3
start_cluster -c "$config" -n 2 "${CMD[@]}" 't/*.sh'
sleep 1
t0=$(now)
kill -INT "$dt_pid"
wait_cluster
int_exit=$(calc "$(now) - $t0")
"$TC" heal n3
assert_rc 130
assert_out_contains "interrupted before any test ran"
check "$int_exit < 1" || fail "SIGINT while connecting: exit only ${int_exit}s later"
wait_nodes_clean 5
echo "ok: 4d. SIGINT while connecting to a cut node: exit 130 after ${int_exit}s"

# ---------------------------------------------------------------------------------------------
# 5. Nodes unusable at the start, each reported with the node and the reason while the others
#    run the suite: a refused key (n1), node_setup failing (on n2 only), rsync failing (on n3:
#    a read-only file system mounted inside the target dir). None usable: exit 3, one line each.
new_project unusable
# 0.3 s each: on a loaded box, 6 instant files were all done on n1 before n2's node_setup failed.
for i in $(seq 6); do put "t/$i.sh" 'sleep 0.3'; done
ssh-keygen -q -t ed25519 -N '' -f "$WORK/stranger_key"
# n1's identity: a key that is not in the nodes' authorized_keys.
/usr/bin/python3 - "$config" "$WORK/stranger_key" > "$WORK/badkey.toml" <<'PY'
import sys, re
text = open(sys.argv[1]).read()
blocks = text.split('[[node]]')
blocks = [re.sub(r'identity = ".*"', f'identity = "{sys.argv[2]}"', b) if 'name = "n1"' in b else b for b in blocks]
print('[[node]]'.join(blocks), end='')
PY
grep -q "$WORK/stranger_key" "$WORK/badkey.toml" || fail "could not write the bad-key config"
# shellcheck disable=SC2016 # $(hostname) is for the node's shell
setup_fails='[hooks]
node_setup = "test \"$(hostname)\" != n2 || { echo node_setup refuses on n2; exit 4; }"'
ro_dir=/root/$(remote_copy "$project")
"$TC" exec n3 sh -c "mkdir -p '$ro_dir/t' && touch '$ro_dir/.distributest-dir' && mount -t tmpfs -o ro tmpfs '$ro_dir/t'"

run_cluster -c "$WORK/badkey.toml" -n 1 "${CMD[@]}" 't/*.sh' --json report.json --nodes n1,n2
assert_rc 0
auth_line=$(grep -m 1 'node n1 ' "$WORK/out") || fail "refused key: n1 not reported: $(cat "$WORK/out")"
[[ $(json_get report.json "[n['status'] for n in r['nodes'] if n['name'] == 'n1'][0]") == failed:* ]] || fail "refused key: n1 not failed in JSON"
[[ $(json_get report.json "sorted(set(f['node'] for f in r['files']))") == "['n2']" ]] || fail "refused key: files did not all run on n2"
[[ $(json_get report.json "r['summary']['files']") == 6 ]] || fail "refused key: not every file ran"
echo "ok: 5a. refused key: '$auth_line'; 6 files ran on n2"

printf '%s\n' "$setup_fails" > .distributest/config.toml
run_cluster -c "$config" -n 1 "${CMD[@]}" 't/*.sh' --json report.json --nodes n1,n2
assert_rc 0
setup_line=$(grep -m 1 'node n2.*node_setup' "$WORK/out") || fail "node_setup: n2 not reported: $(cat "$WORK/out")"
assert_out_contains "node_setup refuses on n2"
n2_status=$(json_get report.json "[n['status'] for n in r['nodes'] if n['name'] == 'n2'][0]")
[[ $n2_status == *node_setup* ]] || fail "node_setup: n2's status in JSON: $n2_status"
# docs/json-report.md: a node's status is "ok, or failed: ..." (as a refused key or sync gives).
[[ $n2_status == "failed: "* ]] ||
  bug "node_setup: n2's JSON status is '$n2_status', docs/json-report.md promises 'failed: ...'"
[[ $(json_get report.json "sorted(set(f['node'] for f in r['files']))") == "['n1']" ]] || fail "node_setup: files did not all run on n1"
[[ $(json_get report.json "r['summary']['files']") == 6 ]] || fail "node_setup: not every file ran"
echo "ok: 5b. node_setup failing on n2: '$setup_line'; 6 files ran on n1"
rm .distributest/config.toml

run_cluster -c "$config" -n 1 "${CMD[@]}" 't/*.sh' --json report.json --nodes n1,n3
assert_rc 0
sync_line=$(grep -m 1 'node n3 ' "$WORK/out") || fail "rsync: n3 not reported: $(cat "$WORK/out")"
[[ $sync_line == *"sync failed"* ]] || fail "rsync: n3's reason: $sync_line"
[[ $(json_get report.json "[n['status'] for n in r['nodes'] if n['name'] == 'n3'][0]") == failed:* ]] || fail "rsync: n3 not failed in JSON"
[[ $(json_get report.json "sorted(set(f['node'] for f in r['files']))") == "['n1']" ]] || fail "rsync: files did not all run on n1"
echo "ok: 5c. rsync failing on n3: '${sync_line:0:160}'; 6 files ran on n1"

# The same with n3's remote_root on a read-only file system (its target dir cannot be made).
"$TC" exec n3 sh -c 'mkdir -p /root/ro && mount -t tmpfs -o ro tmpfs /root/ro'
sed '/^name = "n3"$/a remote_root = "ro/dt"' "$config" > "$WORK/ro.toml"
run_cluster -c "$WORK/ro.toml" -n 1 "${CMD[@]}" 't/*.sh' --json report.json --nodes n1,n3
assert_rc 0
sync_line=$(grep -m 1 'node n3 ' "$WORK/out") || fail "read-only remote_root: n3 not reported: $(cat "$WORK/out")"
[[ $sync_line == *"Read-only file system"* ]] || fail "read-only remote_root: n3's reason: $sync_line"
[[ $(json_get report.json "sorted(set(f['node'] for f in r['files']))") == "['n1']" ]] || fail "read-only remote_root: files did not all run on n1"
"$TC" exec n3 umount /root/ro
echo "ok: 5c'. read-only remote_root on n3: '$sync_line'; 6 files ran on n1"

printf '%s\n' "$setup_fails" > .distributest/config.toml
run_cluster -c "$WORK/badkey.toml" -n 1 "${CMD[@]}" 't/*.sh' --json report.json
assert_rc 3
for n in "${NODES[@]}"; do
  grep -q -E "node ${n}[ :]" "$WORK/out" || { cat "$WORK/out" >&2; fail "none usable: $n not reported"; }
  [[ $(json_get report.json "[n['status'] for n in r['nodes'] if n['name'] == '$n'][0]") != ok ]] ||
    fail "none usable: $n is ok in the JSON report"
done
rm .distributest/config.toml
"$TC" exec n3 umount "$ro_dir/t"
echo "ok: 5d. no usable node: exit 3, each of n1, n2, n3 reported with its reason"

# A slow node_setup or runner_setup is no failure: hooks taking 2.5 s and 1.5 s succeed.
printf '[hooks]\nnode_setup = "sleep 2.5; echo slow-node-setup-done"\nrunner_setup = "sleep 1.5"\n' > .distributest/config.toml
run_cluster -c "$config" -n 1 "${CMD[@]}" 't/*.sh' --json report.json --nodes n1
rm .distributest/config.toml
if [[ $rc == 0 && $(json_get report.json "r['summary']['files']") == 6 ]]; then
  echo "ok: 5e. slow hooks (node_setup 2.5 s, runner_setup 1.5 s) on n1 succeed, 6 files ran"
else
  bug "slow hooks: a 2.5 s node_setup on n1 gives exit $rc: $(grep -m 1 -E 'node_setup|runner_setup' "$WORK/out")"
fi
wait_nodes_clean 5

# ---------------------------------------------------------------------------------------------
# 6. --fail-fast across the cluster: one file fails at once while every runner is on a
#    `sleep 20`; the run ends within ~3 s of the failure and leaves nothing behind.
new_project failfast
put_first t/fails.sh 'sleep 0.5; exit 1'
for i in $(seq 12); do put "t/s$i.sh" 'sleep 20'; done
t0=$(now)
run_cluster -c "$config" -n 2 --fail-fast "${CMD[@]}" 't/*.sh' --json report.json
ended=$(now)
assert_rc 1
[[ $(json_get report.json "r['summary']['fail_fast_triggered']") == True ]] || fail "fail-fast: not triggered"
[[ $(file_field report.json t/fails.sh status) == failed ]] || fail "fail-fast: fails.sh not failed"
failed_at=$(log_time '\] failed t/fails\.sh')
to_end=$(calc "$ended - $failed_at")
check "$to_end < 3.5" || fail "fail-fast: the run ended ${to_end}s after the failure"
not_run=$(json_get report.json "r['summary']['not_run']")
wait_nodes_clean 5
echo "ok: 6. fail-fast: exit 1 ${to_end}s after the failure (whole run $(calc "$ended - $t0")s), $not_run not run;" \
  "nodes clean ${clean_after}s after the exit"

# ---------------------------------------------------------------------------------------------
# 7. A file writing 200 MB to stdout (one line, no newline until the end), then failing, on a
#    node whose other runner runs short files: everything finishes, the flood's result arrives
#    with the tail of its output (kept because it failed), the other files are not stalled, and
#    the master's memory stays bounded.
new_project flood
put_first t/flood.sh 'head -c 200000000 /dev/zero | tr "\0" x; echo; echo flood-done; exit 1'
for i in $(seq 30); do put "t/f$i.sh" 'sleep 0.2'; done
set +e
"$TC" run /usr/bin/time -v -o "$WORK/time" "$DT" -c "$config" -n 2 "${CMD[@]}" 't/*.sh' --json report.json >"$WORK/out" 2>&1
rc=$?
set -e
assert_rc 1
[[ $(file_field report.json t/flood.sh status) == failed ]] || fail "flood: the flooding file did not fail"
[[ $(file_field report.json t/flood.sh output) == *flood-done* ]] || fail "flood: the end of its output is missing"
[[ $(json_get report.json "r['summary']['files']") == 31 ]] || fail "flood: not every file ran"
flood_node=$(file_field report.json t/flood.sh node)
flood_duration=$(calc "$(file_field report.json t/flood.sh duration_seconds)")
rss_kb=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$WORK/time")
[[ -n $rss_kb ]] || fail "flood: no RSS measured: $(cat "$WORK/time")"
# The other files, as the master saw them: from "start F on R" to "passed F" in the run log.
read -r neighbour_files slowest < <(/usr/bin/python3 - "$(run_log)" "$flood_node" <<'PY'
import re, sys, datetime
start, took, neighbour = {}, {}, 0
for line in open(sys.argv[1], errors='replace'):
    m = re.match(r'(\d\d:\d\d:\d\d\.\d+) \[master\] (start|passed) (t/f\d+\.sh)(?:.* on (\S+))?', line[:300])
    if not m:
        continue
    t = datetime.datetime.strptime(m[1], '%H:%M:%S.%f').timestamp()
    if m[2] == 'start':
        start[m[3]] = t
        neighbour += ('_' + sys.argv[2] + '_') in (m[4] or '')
    else:
        took[m[3]] = t - start[m[3]]
print(neighbour, f"{max(took.values()):.2f}")
PY
)
((neighbour_files >= 1)) || fail "flood: no other file ran on $flood_node"
check "$slowest < 1.5" || fail "flood: a 0.2 s file took ${slowest}s as the master saw it (stalled)"
# Bounded means independent of the output's size: ~20 MB is what the master needs; 100 MB leaves
# room, while buffering a good part of the 200 MB flood does not fit.
if ((rss_kb >= 100 * 1024)); then
  bug "flood: the master's peak RSS is $((rss_kb / 1024)) MB for a 200 MB flood (${flood_duration}s): the output is buffered"
fi
echo "ok: 7. 200 MB of output on $flood_node in ${flood_duration}s: failed, with its tail;" \
  "$neighbour_files short files beside it there, slowest 0.2 s file ${slowest}s master-side;" \
  "master peak RSS $((rss_kb / 1024)) MB"
wait_nodes_clean 5

((bugs == 0)) || fail "$bugs check(s) found distributest bugs (FAIL lines above)"
