#!/usr/bin/env bash
# tools/testcluster builds real SSH nodes in namespaces: hostnames, private /tmp, cut/heal, kill,
# hidden nodes reachable only through another node (ProxyJump), and a `down` that leaves nothing
# behind. Needs root and network namespaces (else skipped, 77).
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
"$TC" up 3 --behind n1:2 >"$OUT" || fail "up 3 --behind n1:2 failed: $(cat "$OUT")"
config=$(tail -n 1 "$OUT")
[[ $config == /* && -f $config ]] || fail "up's last line is not a config file: '$config'"
[[ $(grep -c '^\[\[node\]\]' "$config") == 3 ]] || fail "config lacks 3 [[node]]: $(cat "$config")"
key=$(sed -n 's/^identity = "\(.*\)"$/\1/p' "$config" | head -n 1)
known=$(sed -n 's/^known_hosts = "\(.*\)"$/\1/p' "$config")
[[ -f $key && -f $known ]] || fail "identity '$key' or known_hosts '$known' missing"
mapfile -t hosts < <(sed -n 's/^host = "\(.*\)"$/\1/p' "$config")
[[ ${hosts[*]} == "10.77.0.11 10.77.0.12 10.77.0.13" ]] || fail "node hosts: ${hosts[*]}"
[[ $(ours | wc -l) == 7 ]] || fail "expected 7 namespaces named $PREFIX-*, got: $(ours)"
# Hidden nodes are not in config.toml (the master cannot reach them) but in hidden.toml.
hidden=$STATE/hidden.toml
[[ $(sed -n 's/^host = "\(.*\)"$/\1/p' "$hidden" | tr '\n' ' ') == "10.78.0.11 10.78.0.12 " ]] ||
  fail "hidden.toml's hosts: $(cat "$hidden")"
[[ $(grep -c '^name = "h[12]"$' "$hidden") == 2 ]] || fail "hidden.toml lacks h1, h2: $(cat "$hidden")"

# A second `up` while this one is up is refused.
if "$TC" up 1 >"$OUT" 2>&1; then fail "a second up succeeded"; fi
grep -q "already up" "$OUT" || fail "second up: unclear message: $(cat "$OUT")"
# --behind names a node of the cluster.
if "$TC" up 2 --behind n3:1 >"$OUT" 2>&1; then fail "up 2 --behind n3:1 succeeded"; fi
grep -q "there is no node n3" "$OUT" || fail "--behind n3 of 2 nodes: unclear message: $(cat "$OUT")"

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

# Hidden nodes: reachable through n1 (ProxyJump, with the cluster's ssh_config; the jump's own
# ssh does not inherit -i or -o), by IP and by a name that n1 resolves; from n1 itself by name.
sshcfg=$STATE/ssh_config
for i in 1 2; do
  got=$("$TC" run ssh -F "$sshcfg" "h$i" hostname) || fail "ssh to h$i via n1 failed"
  [[ $got == "h$i" ]] || fail "ssh to h$i via n1: hostname '$got'"
done
got=$("$TC" run ssh -F "$sshcfg" -J root@n1 -o HostName=h2 h2 hostname) ||
  fail "ssh -J root@n1 to h2 by name failed"
[[ $got == h2 ]] || fail "ssh -J root@n1 to h2 by name: hostname '$got'"
got=$("$TC" exec n1 ssh -i "$key" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes \
  -o BatchMode=yes -o LogLevel=ERROR root@h1 hostname) || fail "ssh from n1 to h1 failed"
[[ $got == h1 ]] || fail "ssh from n1 to h1: hostname '$got'"
[[ $("$TC" exec h1 hostname) == h1 ]] || fail "exec h1 hostname"
# ...and not from control (no route: fails at once), nor can they reach the main bridge.
t0=$SECONDS
if ssh_to 10.78.0.11 -o ConnectTimeout=2 hostname >/dev/null 2>&1; then fail "control reached h1 by IP"; fi
if "$TC" run timeout 3 ssh -F "$sshcfg" -o ProxyJump=none h2 true 2>/dev/null; then
  fail "control reached h2 without a jump"
fi
((SECONDS - t0 <= 6)) || fail "the failed direct connections to hidden nodes took $((SECONDS - t0)) s"
if "$TC" run ip route get 10.78.0.11 >/dev/null 2>&1; then fail "control has a route to h1"; fi
if "$TC" exec h1 timeout 3 bash -c 'exec 3<>/dev/tcp/10.77.0.12/22' 2>/dev/null; then
  fail "h1 reached n2 (10.77.0.12)"
fi
"$TC" status >"$OUT"
grep -Eq '^h1 +10\.78\.0\.11 +up +alive +answers +n1$' "$OUT" || fail "status of h1: $(cat "$OUT")"

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
if ip -o addr | grep -Eq '10\.7[78]\.0\.'; then fail "an address of ours is in the root namespace"; fi

# cut: the node is unreachable; heal: back.
"$TC" cut n2
t0=$SECONDS
if ssh_to "${hosts[1]}" -o ConnectTimeout=2 hostname >/dev/null 2>&1; then fail "ssh to cut n2 worked"; fi
((SECONDS - t0 <= 5)) || fail "ssh to cut n2 took $((SECONDS - t0)) s"
"$TC" heal n2
[[ $(ssh_to "${hosts[1]}" -o ConnectTimeout=5 hostname) == n2 ]] || fail "ssh to healed n2"

# A hidden node's link is cut and healed the same way (inside n1).
"$TC" cut h1
if "$TC" run timeout 3 ssh -F "$sshcfg" h1 true >/dev/null 2>&1; then fail "ssh to cut h1 worked"; fi
"$TC" heal h1
[[ $("$TC" run ssh -F "$sshcfg" h1 hostname) == h1 ]] || fail "ssh to healed h1"

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
"$TC" kill h2
[[ -z $(ip netns pids "$PREFIX-h2") ]] || fail "processes left in h2: $(ip netns pids "$PREFIX-h2")"
if pgrep -f "$STATE/h2/sshd_config" >/dev/null; then fail "h2's sshd survives kill"; fi
[[ $("$TC" run ssh -F "$sshcfg" h1 hostname) == h1 ]] || fail "h1 unreachable after killing h2"

# down: nothing of ours is left; a second down is fine.
"$TC" down || fail "down failed"
[[ -z $(ours) ]] || fail "namespaces left after down: $(ours)"
if pgrep -f "$STATE/" >/dev/null; then fail "processes left after down: $(pgrep -af "$STATE/")"; fi
[[ ! -e $STATE ]] || fail "state dir $STATE left after down"
"$TC" down || fail "second down failed"
if "$TC" run true 2>/dev/null; then fail "run works after down"; fi

echo "ok: testcluster ($((SECONDS - start)) s)"
