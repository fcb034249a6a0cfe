#!/usr/bin/env bash
# Several masters on one cluster (tools/testcluster: sshd in namespaces), each master in its own
# UTS namespace so that it has its own short hostname, i.e. its own initiating name:
# (a) two runs at once from two initiating names ("alice", "bob") of a project with the same name
#     get their own marked dirs (proj-HASH@alice, proj-HASH@bob) and runner ids (alice_..., bob_...), run
#     side by side without waiting on each other, and both pass;
# (b) two runs at once from the same initiating name ("carol"): the second says it is waiting for
#     the lock on each node, then passes; on every node all its files start after the first
#     run's files have ended, and both used the one dir proj-HASH@carol.
source "$(dirname "$0")/lib.sh"
((EUID == 0)) || { echo "SKIP: the test cluster needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "SKIP: ip netns is unavailable"; exit 77; }
unshare --net --uts --mount --pid --fork true 2>/dev/null || { echo "SKIP: no namespaces here"; exit 77; }

DT=$(realpath -- "$DT")  # the masters run from the projects' dirs
TC=$SRC/tools/testcluster
export DISTRIBUTEST_TESTCLUSTER_DIR=/run/distributest-initiators-it.$$
trap '"$TC" down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
config=$("$TC" up 2 2>/dev/null | tail -n 1)
NODES="n1 n2"
ROOT=/root/.cache/distributest  # the default remote_root, under the nodes' (private) /root

# as_host NAME CMD...: runs CMD in the control namespace with the short hostname NAME (a UTS
# namespace of its own), so a distributest started by CMD initiates as NAME.
as_host() {
  local name=$1
  shift
  "$TC" run unshare --uts sh -c 'hostname "$0" && exec "$@"' "$name" "$@"
}

# A config for one run: the cluster's nodes plus [env] for the test files. Usage: run_config
# FILE KEY=VALUE...
run_config() {
  local file=$1 kv
  shift
  { cat "$config"; echo; echo "[env]"; for kv in "$@"; do echo "${kv%%=*} = \"${kv#*=}\""; done; } >"$file"
}

# A command-framework project named "proj" in DIR whose 4 files run FILE_BODY.
make_project() {
  local dir=$1/proj i
  mkdir -p "$dir/t" "$dir/.distributest"
  for i in 1 2 3 4; do printf '%s\n' "$2" >"$dir/t/$i.sh"; done
  printf 'framework = "command"\ncommand = "sh {file}"\nfiles = ["t/*.sh"]\n' >"$dir/.distributest/config.toml"
  echo "$dir"
}

# copy_of PROJECT WHO: the name of the copy of PROJECT that initiator WHO keeps on a node:
# proj-<8 hex digits of sha256(its absolute path)>@WHO.
copy_of() {
  local path
  path=$(cd "$1" && pwd -P)
  echo "proj-$(printf '%s' "$path" | sha256sum | cut -c1-8)@$2"
}

# Whether "$@" (a command) succeeds within about 15 s.
eventually() {
  local i
  for i in $(seq 150); do
    "$@" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# ---- (a) two initiating names at once ------------------------------------------------------
# Each file records who ran it and where, then waits until a file of the other run has started
# on the same node: both runs pass only if they really run side by side (a shared lock or dir
# would make one wait for the other, and the files would give up after 15 s).
body='echo "$RUN $DISTRIBUTEST_RUNNER_ID $(pwd)" >> /tmp/a.log
touch "/tmp/a.up.$RUN"
i=0
while [ ! -e "/tmp/a.up.$OTHER" ]; do
  i=$((i + 1)); [ $i -le 150 ] || { echo "no file of $OTHER started on this node within 15 s"; exit 1; }
  sleep 0.1
done
sleep 1'
run_config "$WORK/alice.toml" RUN=alice OTHER=bob
run_config "$WORK/bob.toml" RUN=bob OTHER=alice
alice=$(make_project "$WORK/alice" "$body")
bob=$(make_project "$WORK/bob" "$body")
declare -A copy=([alice]=$(copy_of "$alice" alice) [bob]=$(copy_of "$bob" bob))
declare -A rc_of
set +e
(cd "$alice" && as_host alice "$DT" -c "$WORK/alice.toml" -n 2 --json "$WORK/alice.json") >"$WORK/alice.out" 2>&1 &
alice_pid=$!
(cd "$bob" && as_host bob "$DT" -c "$WORK/bob.toml" -n 2 --json "$WORK/bob.json") >"$WORK/bob.out" 2>&1
rc_of[bob]=$?
wait "$alice_pid"
rc_of[alice]=$?
set -e
for who in alice bob; do
  [[ ${rc_of[$who]} == 0 ]] || { cat "$WORK/$who.out" >&2; fail "(a) the run from $who exited ${rc_of[$who]}, wanted 0"; }
  ! grep -q "waiting for it to finish" "$WORK/$who.out" ||
    { cat "$WORK/$who.out" >&2; fail "(a) the run from $who waited on a lock"; }
  [[ $(json_get "$WORK/$who.json" "r['summary']['examples']") == 4 ]] || fail "(a) $who: not 4 examples"
  [[ $(json_get "$WORK/$who.json" "r['nodes'][0]['remote_dir']") == ".cache/distributest/${copy[$who]}" ]] ||
    fail "(a) $who: remote_dir in the JSON report: $(json_get "$WORK/$who.json" "r['nodes']")"
  [[ $(json_get "$WORK/$who.json" "sorted(x['id'] for x in r['runners'])") == \
    "['${who}_n1_1', '${who}_n1_2', '${who}_n2_1', '${who}_n2_2']" ]] ||
    fail "(a) $who: runner ids $(json_get "$WORK/$who.json" "[x['id'] for x in r['runners']]")"
done
for n in $NODES; do
  "$TC" exec "$n" cat /tmp/a.log >"$WORK/a.$n.log" || fail "(a) $n: no file ran there"
  for who in alice bob; do
    "$TC" exec "$n" test -f "$ROOT/${copy[$who]}/.distributest-dir" || fail "(a) $n lacks the marked dir ${copy[$who]}"
    "$TC" exec "$n" test -f "$ROOT/${copy[$who]}/t/1.sh" || fail "(a) $n: ${copy[$who]} holds no project"
    # Every file of this run on this node: a runner id of this initiator and its own dir.
    awk -v who="$who" -v n="$n" -v dir="$ROOT/${copy[$who]}" '
      $1 == who { seen++; if (index($2, who "_" n "_") != 1 || $3 != dir) bad++ }
      END { exit !(seen > 0 && bad == 0) }' "$WORK/a.$n.log" ||
      { cat "$WORK/a.$n.log" >&2; fail "(a) $n: $who's files lack runner ids ${who}_${n}_* or ran outside $ROOT/${copy[$who]}"; }
  done
  # So the two runs' working directories differ (each is its own initiator's dir).
  [[ $(awk '{ print $3 }' "$WORK/a.$n.log" | sort -u | wc -l) == 2 ]] ||
    { cat "$WORK/a.$n.log" >&2; fail "(a) $n: alice's and bob's files did not run in two different dirs"; }
done
[[ $(cat "$WORK"/a.n*.log | wc -l) == 8 ]] || { cat "$WORK"/a.n*.log >&2; fail "(a) wanted 8 files run in all"; }
echo "ok: (a) two initiating names at once: own dirs proj@alice, proj@bob, own runner ids, side by side, both pass"

# ---- (b) the same initiating name twice at once --------------------------------------------
# Each file logs its start and end time on the node; the first run's files take 2 s, so the
# second run starts connecting while the first holds every node's lock.
body='echo "$RUN start $(date +%s.%N) $DISTRIBUTEST_RUNNER_ID $(pwd)" >> /tmp/b.log
sleep "$NAP"
echo "$RUN end $(date +%s.%N)" >> /tmp/b.log'
carol=$(make_project "$WORK/carol" "$body")
copy[carol]=$(copy_of "$carol" carol)
run_config "$WORK/first.toml" RUN=first NAP=2
run_config "$WORK/second.toml" RUN=second NAP=0.3
set +e
(cd "$carol" && as_host carol "$DT" -c "$WORK/first.toml" -n 2) >"$WORK/first.out" 2>&1 &
first_pid=$!
set -e
# The first run holds the lock on every node once any of its files has started (files start
# only after every node is synced).
eventually "$TC" exec n1 grep -q "^first start" /tmp/b.log ||
  { kill "$first_pid" 2>/dev/null; cat "$WORK/first.out" >&2; fail "(b) the first run never started a file on n1"; }
set +e
start=$EPOCHREALTIME
(cd "$carol" && as_host carol "$DT" -c "$WORK/second.toml" -n 2) >"$WORK/second.out" 2>&1
second_rc=$?
second_wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
wait "$first_pid"
first_rc=$?
set -e
[[ $first_rc == 0 ]] || { cat "$WORK/first.out" >&2; fail "(b) the first run exited $first_rc, wanted 0"; }
[[ $second_rc == 0 ]] || { cat "$WORK/second.out" >&2; fail "(b) the second run exited $second_rc, wanted 0"; }
! grep -q "waiting for it to finish" "$WORK/first.out" || { cat "$WORK/first.out" >&2; fail "(b) the first run waited"; }
for n in $NODES; do
  grep -qF "node $n: another run of this project from this box holds .cache/distributest/${copy[carol]}; waiting for it to finish" "$WORK/second.out" ||
    { cat "$WORK/second.out" >&2; fail "(b) the second run did not say it waits for the lock on $n"; }
done
for n in $NODES; do
  "$TC" exec "$n" cat /tmp/b.log >"$WORK/b.$n.log" || fail "(b) $n: no file ran there"
  # Both runs ran files here, in proj@carol, and the second's first start follows the first's
  # last end.
  awk -v dir="$ROOT/${copy[carol]}" '
    $2 == "start" { starts[$1]++; if ($5 != dir || index($4, "carol_") != 1) bad++ }
    $1 == "first" && $2 == "end" && $3 + 0 > first_end { first_end = $3 + 0 }
    $1 == "second" && $2 == "start" && (!seen || $3 + 0 < second_start) { second_start = $3 + 0; seen = 1 }
    END { exit !(starts["first"] > 0 && starts["second"] > 0 && bad == 0 && second_start > first_end) }' \
    "$WORK/b.$n.log" || { cat "$WORK/b.$n.log" >&2; fail "(b) $n: the two runs overlapped, or did not both run here in proj@carol"; }
  dirs=$("$TC" exec "$n" sh -c "ls -A $ROOT | LC_ALL=C sort" | tr '\n' ' ')
  [[ $dirs == "$(printf '%s\n' "${copy[@]}" | LC_ALL=C sort | tr '\n' ' ')" ]] || fail "(b) $n: $ROOT holds: $dirs"
done
echo "ok: (b) the same initiating name twice at once: the second waits for the lock (${second_wall}s), then passes; no overlap on any node"
