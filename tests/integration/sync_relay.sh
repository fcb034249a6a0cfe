#!/usr/bin/env bash
# rsync over the master's own SSH session (the relay, src/transport/ssh_relay.h), on a real
# 2-node test cluster:
#  1. a run costs each node exactly one SSH login (was three: libssh2, and an OpenSSH login for
#     each of the two rsyncs), and the synced copy equals the project;
#  2. rsync's remote half runs under the synced dir's busy lock, like every command of ours;
#  3. the master SIGKILLed in the middle of a (throttled) sync: within 3 s no rsync of ours runs,
#     neither here nor on the node (an OpenSSH-driven rsync went on writing into the node's dir
#     after the lock was gone), and the next run syncs and passes;
#  4. the relay refuses to run outside a sync with a clear message;
#  5. copies the last sync filled alike cost one rsync: it writes a batch, the other copy replays
#     it (src/sync/rsync_batch.h); a copy that does not fit the batch gets a rsync of its own.
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: the test cluster needs root and network namespaces"; exit 77; }
cluster_up 2 relay

# 4. Outside a run.
set +e
out=$(env -u DISTRIBUTEST_RELAY_FD "$DT" __ssh-relay somehost rsync --server . 2>&1)
relay_rc=$?
set -e
[[ $relay_rc == 255 && $out == *"not started by distributest"* ]] ||
  fail "the relay outside a run: exit $relay_rc, said: $out"
relay=$(dirname "$DT")/distributest-ssh-relay
set +e
out=$(env -u DISTRIBUTEST_RELAY_FD "$relay" somehost rsync --server . 2>&1)
relay_rc=$?
set -e
[[ $relay_rc == 255 && $out == *"not started by distributest"* ]] ||
  fail "$relay outside a run: exit $relay_rc, said: $out"
echo "ok: the relay refuses to run outside a sync"

project=$WORK/app
mkdir -p "$project/t" "$project/.distributest" "$project/data"
for i in 1 2 3 4; do echo 'test -f data/blob' > "$project/t/$i.sh"; done
head -c 2000000 /dev/urandom > "$project/data/blob"
cat > "$project/.distributest/config.toml" <<'TOML'
framework = "command"
command = "sh {file}"
files = ["t/*.sh"]
TOML
cd "$project"

logins() {  # logins NODE: how many logins its sshd has accepted so far
  grep -c 'Accepted publickey' "$DISTRIBUTEST_TESTCLUSTER_DIR/$1/sshd.log" || true
}

# 1. One login per node (the first sync of two empty copies: one rsync, replayed on the other).
before1=$(logins n1)
before2=$(logins n2)
run_cluster -n 2 --json report.json
assert_rc 0
[[ $(json_get report.json "sum(f['status'] == 'passed' for f in r['files'])") == 4 ]] || fail "not every file passed: $(cat "$WORK/out")"
dir=$(json_get report.json "r['nodes'][0]['remote_dir']")
for n in n1 n2; do
  [[ $("$TC" exec "$n" sh -c "cd /root && sha1sum '$dir/data/blob'" | cut -d' ' -f1) == $(sha1sum data/blob | cut -d' ' -f1) ]] ||
    fail "$n: the synced copy of data/blob differs"
done
l1=$(($(logins n1) - before1))
l2=$(($(logins n2) - before2))
[[ $l1 == 1 && $l2 == 1 ]] || fail "SSH logins for one run: n1 $l1, n2 $l2 (wanted 1 each)"
echo "ok: one SSH login per node per run (n1 $l1, n2 $l2), project synced intact"

# 2 and 3. A slow sync (its remote shell the relay program beside the binary), its master killed
# in the middle. Without its sync id n1's copy is not the one n2's rsync writes a batch for
# (case 5), so n1 gets an rsync of its own.
"$TC" exec n1 sh -c "rm /root/'$dir'/.distributest-runtime/sync-id"
head -c 30000000 /dev/urandom > data/blob
"$TC" slow n1 16mbit
"$TC" run "$DT" -c "$config" -n 2 >"$WORK/out" 2>&1 &
dt_pid=$!
server=""
for _ in $(seq 100); do
  server=$("$TC" exec n1 ps -eo pid=,args= | grep 'rsync --server' | grep -v grep || true)
  [[ -n $server ]] && break
  sleep 0.1
done
[[ -n $server ]] || { kill -KILL $dt_pid; cat "$WORK/out" >&2; fail "no rsync server started on n1"; }
sleep 1
"$TC" exec n1 ps -eo args= | grep -q '^flock -s .distributest-busy sh -c rsync --server' ||
  { "$TC" exec n1 ps -eo args= >&2; fail "rsync's remote half does not hold the busy lock"; }
echo "ok: rsync's remote half runs under the busy lock"
pgrep -f "^$relay node" >/dev/null || { pgrep -af rsync >&2; fail "rsync's remote shell is not $relay"; }
kill -KILL $dt_pid
wait $dt_pid 2>/dev/null || true
killed_at=$(date +%s.%N)
gone=""
for _ in $(seq 30); do
  here=$(pgrep -af "rsync .*$project|^$relay" || true)
  there=$("$TC" exec n1 ps -eo args= | grep -E '^(rsync|flock -s)' || true)
  if [[ -z $here && -z $there ]]; then gone=yes; break; fi
  sleep 0.1
done
[[ -n $gone ]] || fail "3 s after the master's SIGKILL, rsync still runs: here: ${here:-none}; on n1: ${there:-none}"
echo "ok: the master SIGKILLed mid-sync: no rsync left here or on n1 after $(/usr/bin/python3 -c "import time; print(f'{time.time() - $killed_at:.1f}')") s"
"$TC" slow n1 off
run_cluster -n 2 --json report.json
assert_rc 0
[[ $("$TC" exec n1 sh -c "cd /root && sha1sum '$dir/data/blob'" | cut -d' ' -f1) == $(sha1sum data/blob | cut -d' ' -f1) ]] ||
  fail "the run after the killed one did not sync data/blob"
echo "ok: the next run syncs and passes"

# 5. One rsync for alike copies.
rsync_shim
synced_as_here() {  # synced_as_here FILE: both copies hold FILE as the project does
  local n
  for n in n1 n2; do
    [[ $("$TC" exec "$n" sh -c "cd /root && sha1sum '$dir/$1'" | cut -d' ' -f1) == $(sha1sum "$1" | cut -d' ' -f1) ]] ||
      fail "$n: the synced copy of $1 differs from the project's"
  done
}
echo one > data/small
rm -f "$WORK/rsync.calls"
PATH=$WORK/shim:$PATH run_cluster -n 2 --json report.json
assert_rc 0
synced_as_here data/small
[[ $(wc -l < "$WORK/rsync.calls") == 1 && $(grep -c -- '--write-batch=' "$WORK/rsync.calls") == 1 ]] ||
  fail "two alike copies: wanted one rsync writing a batch, got: $(cat "$WORK/rsync.calls")"
id1=$("$TC" exec n1 sh -c "cat /root/'$dir'/.distributest-runtime/sync-id")
id2=$("$TC" exec n2 sh -c "cat /root/'$dir'/.distributest-runtime/sync-id")
[[ -n $id1 && $id1 == "$id2" ]] || fail "the two copies' sync ids differ: '$id1' '$id2'"
echo "ok: two alike copies synced by one rsync and its batch"

# Each copy lacks a file the other has: whichever writes the batch, the other does not fit it.
"$TC" exec n1 sh -c "rm /root/'$dir'/t/2.sh"
"$TC" exec n2 sh -c "rm /root/'$dir'/t/1.sh"
echo "two, longer" > data/small
rm -f "$WORK/rsync.calls"
PATH=$WORK/shim:$PATH run_cluster -n 2 --json report.json
assert_rc 0
synced_as_here data/small
synced_as_here t/1.sh
synced_as_here t/2.sh
[[ $(wc -l < "$WORK/rsync.calls") == 2 && $(grep -c -- '--write-batch=' "$WORK/rsync.calls") == 1 ]] ||
  fail "a copy that does not fit the batch: wanted the batch's rsync and one of its own, got: $(cat "$WORK/rsync.calls")"
[[ $(json_get report.json "sum(f['status'] == 'passed' for f in r['files'])") == 4 ]] || fail "not every file passed: $(cat "$WORK/out")"
echo "ok: a copy that does not fit the batch gets a rsync of its own, and the right files"
