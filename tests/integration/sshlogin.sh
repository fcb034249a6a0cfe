#!/usr/bin/env bash
# -S / --sshloginfile and the config's nodes_file (GNU parallel's sshlogin format) on a 2-node
# test cluster, with no [[node]] in any config: `-S 2/<n1>,1/<n2>,:` runs the suite on both
# nodes and here with those runner counts; the same from a --sshloginfile with comments, and
# from a nodes_file next to its config (shown by `distributest config` with each entry's
# line); -n leaves an entry's N/ alone and sizes only the entries without one; the key comes
# from ssh-agent (as for any node without `identity`) and host keys are still checked against
# known_hosts.
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: needs root and network namespaces for tools/testcluster"; exit 77; }
command -v ssh-agent >/dev/null || { echo "SKIP: needs ssh-agent"; exit 77; }
project=$(project_from command)
cluster_up 2 sshlogin
state=$DISTRIBUTEST_TESTCLUSTER_DIR
ip1=$(sed -n '/name = "n1"/{n;s/host = "\(.*\)"/\1/p}' "$config")
ip2=$(sed -n '/name = "n2"/{n;s/host = "\(.*\)"/\1/p}' "$config")
[[ -n $ip1 && -n $ip2 ]] || fail "no node addresses in $config"
eval "$(ssh-agent -s)" >/dev/null
trap 'kill "$SSH_AGENT_PID" 2>/dev/null; "$TC" down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
ssh-add -q "$state/id_ed25519" 2>/dev/null || fail "ssh-add failed"
only_ssh=$WORK/ssh.toml
printf '[ssh]\nknown_hosts = "%s"\n' "$state/known_hosts" >"$only_ssh"
cd "$project"
run_sshlogin() {
  set +e
  "$TC" run "$DT" -c "$only_ssh" --framework command --command 'sh {file}' "$@" 'scripts/*.sh' \
    --json "$WORK/r.json" >"$WORK/out" 2>&1
  rc=$?
  set -e
}
check_runs() {  # check_runs WHAT
  assert_fixture_summary "$WORK/r.json" command "$1"
  got=$(json_get "$WORK/r.json" "' '.join(sorted(n['name'] + '=' + str(sum(1 for x in r['runners'] if x['node'] == n['name'])) for n in r['nodes']))")
  [[ $got == "$ip1=2 $ip2=1 local="* ]] || fail "$1: runners per node: $got (wanted $ip1=2 $ip2=1 and this box)"
}
run_sshlogin -S "2/$ip1,1/$ip2,:"
check_runs "-S"
printf '# the fleet\n2/%s\n\n1/root@%s:22\n:\n' "$ip1" "$ip2" >"$WORK/nodes"
run_sshlogin --sshloginfile "$WORK/nodes"
check_runs "--sshloginfile"
# -n sizes the entries without N/ only, as GNU parallel's -j does.
run_sshlogin -S "2/$ip1,$ip2,:" -n 1
check_runs "-S 2/n1,n2,: -n 1"
run_sshlogin -S "2/$ip1,1/$ip2,:" -n 3
check_runs "-S 2/n1,1/n2,: -n 3"

# nodes_file: relative to its config file's directory, wherever distributest runs from.
mkdir -p "$WORK/conf"
printf '# the fleet\n2/%s\n1/%s\n\n:\n' "$ip1" "$ip2" >"$WORK/conf/fleet"
printf 'nodes_file = "fleet"\n[ssh]\nknown_hosts = "%s"\n' "$state/known_hosts" >"$WORK/conf/fleet.toml"
run_fleet() {
  set +e
  "$TC" run "$DT" -c "$WORK/conf/fleet.toml" --framework command --command 'sh {file}' "$@" \
    'scripts/*.sh' --json "$WORK/r.json" >"$WORK/out" 2>&1
  rc=$?
  set -e
}
run_fleet
check_runs "nodes_file"
run_fleet -n 3
check_runs "nodes_file, -n 3"
"$DT" config -c "$WORK/conf/fleet.toml" >"$WORK/config.out"
grep -qxF "nodes_file = \"fleet\"  # $WORK/conf/fleet.toml:1" "$WORK/config.out" &&
  grep -qF "host = \"$ip2\", port = 22, runners = 1, nice = 10, ionice = \"idle\"}  # $WORK/conf/fleet:3" "$WORK/config.out" ||
  { cat "$WORK/config.out" >&2; fail "distributest config does not show nodes_file and its nodes with their origins"; }
# A missing nodes file names the config line; a bad entry names the nodes file's line.
printf '\nnodes_file = "nowhere"\n' >"$WORK/conf/missing.toml"
run_dt -c "$WORK/conf/missing.toml" --framework command --command 'sh {file}' 'scripts/*.sh'
assert_rc 2
assert_out_contains "$WORK/conf/missing.toml:2: 'nodes_file': cannot read $WORK/conf/nowhere: No such file or directory"
printf '2/%s\nme:pw@%s\n' "$ip1" "$ip2" >"$WORK/conf/fleet"
run_fleet
assert_rc 2
assert_out_contains "$WORK/conf/fleet:2: 'me:pw@$ip2': passwords are not supported"

# Host keys are still verified: an empty known_hosts refuses both nodes.
: >"$WORK/empty_known_hosts"
printf '[ssh]\nknown_hosts = "%s"\n' "$WORK/empty_known_hosts" >"$only_ssh"
run_sshlogin -S "1/$ip1"
[[ $rc != 0 ]] && grep -qi "host key\|known_hosts" "$WORK/out" || { cat "$WORK/out" >&2; fail "an unknown host key was not refused"; }
echo "ok: -S 2/n1,1/n2,:, --sshloginfile and nodes_file run on both nodes and here with those runner counts, -n leaves N/ alone; host keys still checked"
