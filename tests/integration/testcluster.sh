#!/usr/bin/env bash
# tools/testcluster builds real SSH nodes in namespaces: hostnames, private /tmp, cut/heal, kill,
# and a `down` that leaves nothing behind. Needs root and network namespaces (else skipped, 77).
# Usage: bash tests/integration/testcluster.sh [/path/to/distributest]  (the argument is unused)
set -euo pipefail

SRC=${DISTRIBUTEST_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TC=$SRC/tools/testcluster

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

((EUID == 0)) || skip "testcluster needs root"
ip netns list >/dev/null 2>&1 || skip "ip netns is unavailable"
unshare --net --uts --mount --pid --fork true 2>/dev/null || skip "cannot create namespaces here"
[[ -x /usr/sbin/sshd ]] || fail "/usr/sbin/sshd missing: run tools/setup"
command -v ssh >/dev/null || fail "ssh missing: run tools/setup"

# A state dir of our own, so a developer's cluster (default dir) and parallel tests don't clash.
export DISTRIBUTEST_TESTCLUSTER_DIR=/run/distributest-testcluster-it.$$
STATE=$DISTRIBUTEST_TESTCLUSTER_DIR
PREFIX=dtc$(printf '%s' "$STATE" | sha1sum | cut -c1-8) # as tools/testcluster names them
PROBE=/tmp/testcluster-it-probe.$$
OUT=$(mktemp "${TMPDIR:-/tmp}/testcluster-it.XXXXXX")
trap '"$TC" down >/dev/null 2>&1 || true; rm -f "$OUT" "$PROBE"' EXIT

ours() { ip netns list | awk '{print $1}' | grep -E "^$PREFIX-" || true; }

# Not root: a clear message and status 1 (only where an unprivileged user can read the script).
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$TC"; then
  set +e
  setpriv --reuid=65534 --regid=65534 --clear-groups bash "$TC" status >"$OUT" 2>&1
  rc=$?
  set -e
  if [[ $rc != 1 ]] || ! grep -q "testcluster: must run as root" "$OUT"; then
    fail "non-root: exit $rc, output: $(cat "$OUT")"
  fi
fi

start=$SECONDS
"$TC" up 3 >"$OUT" || fail "up 3 failed: $(cat "$OUT")"
config=$(tail -n 1 "$OUT")
[[ $config == /* && -f $config ]] || fail "up's last line is not a config file: '$config'"
[[ $(grep -c '^\[\[node\]\]' "$config") == 3 ]] || fail "config lacks 3 [[node]]: $(cat "$config")"
key=$(sed -n 's/^identity = "\(.*\)"$/\1/p' "$config" | head -n 1)
known=$(sed -n 's/^known_hosts = "\(.*\)"$/\1/p' "$config")
[[ -f $key && -f $known ]] || fail "identity '$key' or known_hosts '$known' missing"
mapfile -t hosts < <(sed -n 's/^host = "\(.*\)"$/\1/p' "$config")
[[ ${hosts[*]} == "10.77.0.11 10.77.0.12 10.77.0.13" ]] || fail "node hosts: ${hosts[*]}"
[[ $(ours | wc -l) == 5 ]] || fail "expected 5 namespaces named $PREFIX-*, got: $(ours)"

# A second `up` while this one is up is refused.
if "$TC" up 1 >"$OUT" 2>&1; then fail "a second up succeeded"; fi
grep -q "already up" "$OUT" || fail "second up: unclear message: $(cat "$OUT")"

ssh_to() {  # ssh_to HOST [-o OPTION]... CMD...
  local host=$1 opts=()
  shift
  while [[ ${1-} == -o ]]; do
    opts+=("$1" "$2")
    shift 2
  done
  "$TC" run ssh -i "$key" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o LogLevel=ERROR ${opts[@]+"${opts[@]}"} "root@$host" "$@"
}

# Each node answers over SSH (host key checked against known_hosts) with its own hostname.
for i in 1 2 3; do
  got=$(ssh_to "${hosts[i - 1]}" hostname) || fail "ssh to n$i (${hosts[i - 1]}) failed"
  [[ $got == "n$i" ]] || fail "ssh to n$i: hostname '$got'"
done
got=$(ssh_to n1 hostname) || fail "ssh to n1 by name failed"
[[ $got == n1 ]] || fail "ssh to n1 by name: hostname '$got'"
[[ $("$TC" exec n2 hostname) == n2 ]] || fail "exec n2 hostname"

# /tmp is the node's own.
"$TC" exec n1 sh -c "echo hello > $PROBE"
[[ $("$TC" exec n1 cat "$PROBE") == hello ]] || fail "file written on n1 not readable on n1"
"$TC" exec n2 test ! -e "$PROBE" || fail "n1's /tmp file is visible on n2"
[[ ! -e $PROBE ]] || fail "n1's /tmp file is visible on the host"

# Nothing leaves the machine: no default route in the control namespace or the nodes, and no
# address of ours in the root namespace.
if "$TC" run ip route | grep -q default; then fail "control namespace has a default route"; fi
if "$TC" run ip route get 192.0.2.1 >/dev/null 2>&1; then fail "control can route to 192.0.2.1"; fi
if "$TC" exec n1 ip route | grep -q default; then fail "n1 has a default route"; fi
if ip -o addr | grep -q '10\.77\.0\.'; then fail "an address of ours is in the root namespace"; fi

# cut: the node is unreachable; heal: back.
"$TC" cut n2
t0=$SECONDS
if ssh_to "${hosts[1]}" -o ConnectTimeout=2 hostname >/dev/null 2>&1; then fail "ssh to cut n2 worked"; fi
((SECONDS - t0 <= 5)) || fail "ssh to cut n2 took $((SECONDS - t0)) s"
"$TC" heal n2
[[ $(ssh_to "${hosts[1]}" -o ConnectTimeout=5 hostname) == n2 ]] || fail "ssh to healed n2"

# kill: the node and every process in it are gone.
n3_pids=$(ip netns pids "$PREFIX-n3")
[[ -n $n3_pids ]] || fail "no process in n3 before kill"
"$TC" exec n3 sh -c 'sleep 300 </dev/null >/dev/null 2>&1 &'
"$TC" kill n3
if ssh_to "${hosts[2]}" -o ConnectTimeout=2 hostname >/dev/null 2>&1; then fail "ssh to killed n3 worked"; fi
[[ -z $(ip netns pids "$PREFIX-n3") ]] || fail "processes left in n3: $(ip netns pids "$PREFIX-n3")"
for p in $n3_pids; do
  state=$(awk '/^State:/{print $2}' "/proc/$p/status" 2>/dev/null || true)
  [[ -z $state || $state == Z ]] || fail "n3 process $p survives kill ($state)"
done
if pgrep -f "$STATE/n3/sshd_config" >/dev/null; then fail "n3's sshd survives kill"; fi
[[ $(ssh_to n1 hostname) == n1 ]] || fail "n1 unreachable after killing n3"

# down: nothing of ours is left; a second down is fine.
"$TC" down || fail "down failed"
[[ -z $(ours) ]] || fail "namespaces left after down: $(ours)"
if pgrep -f "$STATE/" >/dev/null; then fail "processes left after down: $(pgrep -af "$STATE/")"; fi
[[ ! -e $STATE ]] || fail "state dir $STATE left after down"
"$TC" down || fail "second down failed"
if "$TC" run true 2>/dev/null; then fail "run works after down"; fi

echo "ok: testcluster ($((SECONDS - start)) s)"
