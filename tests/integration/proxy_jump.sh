#!/usr/bin/env bash
# ssh_config and ProxyJump (issue 12 item 1) on a test cluster where h1 is reachable only
# through n1 (`testcluster up 1 --behind n1:1`):
#  1. [[node]] host = "h1" with [ssh] config = the cluster's ssh_config (HostName, User,
#     IdentityFile, UserKnownHostsFile, ProxyJump n1): the pytest fixture runs on h1 with the
#     serial counts, its copy is on h1 (rsync went through the jump), nothing is left running;
#     `config` and `doctor` say what came from ssh_config;
#  2. no ssh_config at all ([ssh] config = "none"): proxy_jump = "root@<n1>:22" in the [[node]];
#  3. proxy_jump = "none" wins over ssh_config: h1 is unreachable, reported and left out;
#  4. the jump host's key is checked too: a known_hosts without n1 refuses the run;
#  5. a cut link to the jump host loses h1 mid-run; its files run here, each reported once;
#  6. ssh_config's ProxyCommand for h1, real OpenSSH as the proxy (ssh -W %h:%p n1): the suite
#     runs on h1 as serial, `config` and `doctor` show the command, and afterwards nothing is
#     left on h1 and no ssh -W here;
#  7. a ProxyCommand that exits at once (`false`) is a clear error naming the node.
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: needs root and network namespaces for tools/testcluster"; exit 77; }
TC=$SRC/tools/testcluster
export DISTRIBUTEST_TESTCLUSTER_DIR=/run/distributest-jump-it.$$
trap '"$TC" down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$TC" up 1 --behind n1:1 >/dev/null 2>&1 || fail "testcluster up 1 --behind n1:1 failed"
state=$DISTRIBUTEST_TESTCLUSTER_DIR
n1=$("$TC" status | awk '$1 == "n1" {print $2}')
h1=$("$TC" status | awk '$1 == "h1" {print $2}')
[[ -n $n1 && -n $h1 ]] || { "$TC" status >&2; fail "no addresses for n1 and h1"; }
project=$(project_from pytest)
cd "$project"

run_with() {  # run_with CONFIG ARGS...
  set +e
  "$TC" run "$DT" -c "$1" "${@:2}" >"$WORK/out" 2>&1
  rc=$?
  set -e
}
h1_quiet() {  # nothing of ours left on h1 (the remote wrapper's grace is 1 s)
  local i
  for i in $(seq 50); do
    "$TC" exec h1 pgrep -f 'distributest-wrapper|pytest' >/dev/null || return 0
    sleep 0.1
  done
  "$TC" exec h1 pgrep -af 'distributest-wrapper|pytest' >&2
  fail "$1: processes left on h1"
}

# The pytest fixture through CONFIG: the serial counts, on h1 alone, nothing left there.
fixture_on_h1() {  # fixture_on_h1 CONFIG WHAT
  run_with "$1" --json "$WORK/r.json" tests
  [[ $rc == 1 ]] || { cat "$WORK/out" >&2; fail "$2: exit $rc (the fixture has failures: 1)"; }
  assert_fixture_summary "$WORK/r.json" pytest "$2"
  [[ $(json_get "$WORK/r.json" "[(n['name'], n['host'], n['status']) for n in r['nodes']]") == "[('h1', '$h1', 'ok')]" ]] ||
    fail "$2: nodes: $(json_get "$WORK/r.json" "r['nodes']")"
  [[ $(json_get "$WORK/r.json" "sorted(set(x['node'] for x in r['runners']))") == "['h1']" ]] || fail "$2: runners not on h1"
  h1_quiet "after the run: $2"
}

# 1. ssh_config's Host h1 (ProxyJump n1) as the node's host.
printf '[ssh]\nconfig = "%s"\n\n[[node]]\nhost = "h1"\nrunners = 2\n' "$state/ssh_config" >"$WORK/alias.toml"
fixture_on_h1 "$WORK/alias.toml" "ssh_config alias h1 via n1"
copy=$(remote_copy "$project")
"$TC" exec h1 test -f "/root/$copy/tests/test_pass.py" || fail "no copy of the project on h1 at $copy"
run_with "$WORK/alias.toml" config
assert_rc 0
assert_out_contains "node[1].ssh_config = {hostname = \"$h1\", identity_files = \"$state/id_ed25519\", known_hosts = \"$state/known_hosts\", proxy_jump = \"n1\"}  # ssh -G h1 -F $state/ssh_config"
assert_out_contains "node[1].jump[1].ssh_config = {hostname = \"$n1\""
run_with "$WORK/alias.toml" doctor
assert_rc 0
assert_out_contains "h1: from ssh_config (ssh -G h1 -F $state/ssh_config): hostname $h1"
grep -qE "^h1 +$h1 via n1 +yes +known" "$WORK/out" || { cat "$WORK/out" >&2; fail "doctor: no 'h1 $h1 via n1 yes known' row"; }

# 2. No ssh_config: everything in distributest's config.
cat >"$WORK/plain.toml" <<EOF
[ssh]
config = "none"
known_hosts = "$state/known_hosts"

[[node]]
name = "hidden"
host = "$h1"
identity = "$state/id_ed25519"
proxy_jump = "root@$n1:22"
runners = 2
EOF
chmod 600 "$state/id_ed25519"
run_with "$WORK/plain.toml" --json "$WORK/r.json" tests
[[ $rc == 1 ]] || { cat "$WORK/out" >&2; fail "proxy_jump key: exit $rc"; }
assert_fixture_summary "$WORK/r.json" pytest "proxy_jump = root@n1:22, no ssh_config"
h1_quiet "after the proxy_jump run"

# 3. proxy_jump = "none" beats ssh_config's ProxyJump: h1 cannot be reached from here.
printf '[ssh]\nconfig = "%s"\n\n[[node]]\nhost = "h1"\nproxy_jump = "none"\n' "$state/ssh_config" >"$WORK/none.toml"
run_with "$WORK/none.toml" tests
assert_rc 3
assert_out_contains "node h1 ($h1) left out"
echo "proxy_jump = none: $(grep -m1 'left out' "$WORK/out")"

# 4. The jump host's own host key is checked: without n1's lines, n1 is refused.
grep -v -e "^$n1 " -e "^n1 " "$state/known_hosts" >"$WORK/known_hosts_no_n1"
grep -q "^$h1 \|^h1 " "$WORK/known_hosts_no_n1" || fail "no h1 lines in $state/known_hosts"
sed "s|^known_hosts = .*|known_hosts = \"$WORK/known_hosts_no_n1\"|" "$WORK/plain.toml" >"$WORK/nokey.toml"
run_with "$WORK/nokey.toml" tests
assert_rc 3
grep -q "jump host .*$n1.*unknown host key\|jump host .*unknown host key.*$n1" "$WORK/out" ||
  { cat "$WORK/out" >&2; fail "an unknown jump host key was not named as such"; }
echo "unknown jump host key: $(grep -m1 'left out' "$WORK/out")"

# 5. A cut link to the jump host: h1 is lost (TCP_USER_TIMEOUT on n1's socket, ~9 s), its
# files in flight run on this box, and every file is reported once.
mkdir -p "$WORK/slow/scripts"
for i in $(seq 1 12); do printf 'sleep 1\necho ok %s\n' "$i" >"$WORK/slow/scripts/s$i.sh"; done
cat >"$WORK/cut.toml" <<EOF
[ssh]
config = "$state/ssh_config"

[[node]]
host = "h1"
runners = 2

[[node]]
host = "local"
runners = 1
EOF
cd "$WORK/slow"
( sleep 3; "$TC" cut n1 ) &
cutter=$!
run_with "$WORK/cut.toml" --framework command --command 'sh {file}' --json "$WORK/r.json" 'scripts/*.sh'
wait "$cutter"
"$TC" heal n1
[[ $rc == 0 ]] || { cat "$WORK/out" >&2; fail "cut jump host: exit $rc, wanted 0 (every file passes here)"; }
assert_summary "$WORK/r.json" 12 0 0 "cut jump host"
status=$(json_get "$WORK/r.json" "[n['status'] for n in r['nodes'] if n['name'] == 'h1'][0]")
[[ $status == "lost after "* ]] || fail "cut jump host: h1 is '$status', not lost"
[[ $(json_get "$WORK/r.json" "len(r['files'])") == 12 ]] || fail "cut jump host: files reported more or less than once"
echo "cut jump host: h1 $status; $(tail -n 3 "$WORK/out" | head -n 2 | tr '\n' ' ')"

# 6. ProxyCommand in ssh_config: OpenSSH itself carries the connection through n1.
cd "$project"
cat >"$WORK/ssh_config_proxy" <<EOF
Host h1
  HostName $h1
  ProxyCommand ssh -F $state/ssh_config -W %h:%p n1
Host *
  User root
  IdentityFile $state/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $state/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
EOF
printf '[ssh]\nconfig = "%s"\n\n[[node]]\nhost = "h1"\nrunners = 2\n' "$WORK/ssh_config_proxy" >"$WORK/command.toml"
fixture_on_h1 "$WORK/command.toml" "ProxyCommand ssh -W %h:%p n1"
assert_no_process "ssh -F $state/ssh_config -W "
run_with "$WORK/command.toml" config
assert_rc 0
assert_out_contains "proxy_command = \"ssh -F $state/ssh_config -W %h:%p n1\"}  # $WORK/command.toml:4"
assert_out_contains "node[1].ssh_config = {hostname = \"$h1\", identity_files = \"$state/id_ed25519\", known_hosts = \"$state/known_hosts\", proxy_command = \"ssh -F $state/ssh_config -W %h:%p n1\"}"
run_with "$WORK/command.toml" doctor
assert_rc 0
grep -qE "^h1 +$h1 via ProxyCommand +yes +known" "$WORK/out" || { cat "$WORK/out" >&2; fail "doctor: no 'h1 $h1 via ProxyCommand yes known' row"; }
assert_no_process "ssh -F $state/ssh_config -W "

# 7. A ProxyCommand that gives up at once: the node is named, with how the command ended.
printf '[ssh]\nconfig = "%s"\n\n[[node]]\nhost = "h1"\nproxy_command = "false"\n' "$state/ssh_config" >"$WORK/false.toml"
run_with "$WORK/false.toml" tests
assert_rc 3
assert_out_contains "node h1 ($h1) left out: ProxyCommand 'false' exited with status 1"
echo "ProxyCommand false: $(grep -m1 'left out' "$WORK/out")"
echo "ok: through jump host n1: ssh_config alias h1, a proxy_jump key and a ProxyCommand (ssh -W) all run the suite as serial; proxy_jump = none, an unknown jump host key and a ProxyCommand that exits are refused; a cut jump host loses h1 and its files run here"
