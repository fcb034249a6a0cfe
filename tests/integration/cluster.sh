#!/usr/bin/env bash
# Distributed runs on a real test cluster (tools/testcluster: sshd in namespaces): 3 nodes x 2
# runners give the serial counts for rspec, minitest, pytest; the project lands in a host-keyed,
# marked dir; hooks run once per node and runner; 16 runners fit on one default sshd; host keys
# are checked (strict refuses, accept-new records, a changed key is refused); an unmarked
# non-empty target is never touched; nothing is left running on any node.
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: the test cluster needs root and network namespaces"; exit 77; }
cluster_up 3 cluster

nothing_left_on_nodes() {
  local n left
  for n in n1 n2 n3; do
    for _ in $(seq 30); do
      left=$("$TC" exec "$n" ps -eo comm= | grep -v -E '^(sshd|ps)$' || true)
      [[ -z $left ]] && break
      sleep 0.2
    done
    [[ -z $left ]] || fail "left running on $n: $left"
  done
}

for fw_dir in "rspec spec" "minitest test" "pytest tests"; do
  set -- $fw_dir
  project=$(project_from "$1")
  cd "$project"
  run_cluster -n 2 --json report.json "$2"
  assert_rc 1
  assert_fixture_summary report.json "$1" "$1 on the cluster"
  [[ $(json_get report.json "len(r['runners'])") == 6 ]] || fail "$1: wanted 3 nodes x 2 runners"
  # A runner still starting when every file already ran is ended "not used", not failed.
  [[ $(json_get report.json "sorted(set(x['node'] for x in r['runners'] if x['status'] == 'ok' or x['status'].startswith('not used')))") == "['n1', 'n2', 'n3']" ]] ||
    fail "$1: not every node's runners came up: $(json_get report.json "[(x['id'], x['status']) for x in r['runners']]")"
  dir=$(remote_copy "$project")
  [[ $(json_get report.json "r['nodes'][0]['remote_dir']") == "$dir" ]] || fail "remote_dir in JSON"
  for n in n1 n2 n3; do
    "$TC" exec "$n" test -f "/root/$dir/.distributest-dir" || fail "$n lacks the marked dir $dir"
  done
  cd "$WORK"
  echo "ok: $1 on 3 nodes x 2 runners"
done
nothing_left_on_nodes
echo "ok: nothing left running on the nodes"

# Hooks: node_setup once per node, runner_setup once per runner with its id, each under the
# shared busy lock; the node-side environment names the node.
project=$WORK/hooks
mkdir -p "$project/t" "$project/.distributest"
for i in 1 2 3 4 5 6 7 8; do echo 'echo "$DISTRIBUTEST_NODE $DISTRIBUTEST_RUNNER_ID" >> /tmp/ran.log' > "$project/t/$i.sh"; done
cat > "$project/.distributest/config.toml" <<'TOML'
framework = "command"
command = "sh {file}"
files = ["t/*.sh"]
[hooks]
node_setup = "echo node >> /tmp/node.log; flock -n -x .distributest-busy true || echo held >> /tmp/node-held.log"
runner_setup = "echo \"$1\" >> /tmp/runner.log; flock -n -x .distributest-busy true || echo held >> /tmp/runner-held.log"
TOML
cd "$project"
run_cluster -n 2
assert_rc 0
ran_on=0
for n in n1 n2 n3; do
  [[ $("$TC" exec "$n" cat /tmp/node.log | wc -l) == 1 ]] || fail "$n: node_setup did not run once"
  # Hooks run under the shared busy lock (so the next run's sync waits for them): an
  # exclusive try from inside must fail.
  [[ $("$TC" exec "$n" cat /tmp/node-held.log /tmp/runner-held.log 2>/dev/null | wc -l) == 3 ]] ||
    fail "$n: hooks do not hold the busy lock"
  [[ $("$TC" exec "$n" cat /tmp/runner.log | sort -u | tr '\n' ' ') == "${host}_${n}_1 ${host}_${n}_2 " ]] ||
    fail "$n: runner_setup ids: $("$TC" exec "$n" cat /tmp/runner.log)"
  # A node may get no file at all when the others' runners come up first; those that ran
  # files must have seen their own node's name and runner ids.
  if "$TC" exec "$n" test -e /tmp/ran.log; then
    ran_on=$((ran_on + 1))
    bad=$("$TC" exec "$n" grep -v "^$n ${host}_${n}_" /tmp/ran.log || true)
    [[ -z $bad ]] || fail "$n: DISTRIBUTEST_NODE or the runner id is wrong: $bad"
  fi
done
((ran_on >= 1)) || fail "no node ran a file"
echo "ok: hooks once per node and per runner"

# The master's own box as a node beside a remote one: its runners run locally, in the project.
cat "$config" > "$WORK/with-local.toml"
printf '\n[[node]]\nname = "me"\nhost = "local"\nrunners = 2\n' >> "$WORK/with-local.toml"
rm -f /tmp/ran.log
set +e; "$TC" run "$DT" -c "$WORK/with-local.toml" --nodes n1,me -n 2 --json report.json >"$WORK/out" 2>&1; rc=$?; set -e
assert_rc 0
[[ $(json_get report.json "sorted(x['id'] for x in r['runners'])") == "['${host}_me_1', '${host}_me_2', '${host}_n1_1', '${host}_n1_2']" ]] ||
  fail "local node: runners $(json_get report.json "[x['id'] for x in r['runners']]")"
[[ $(json_get report.json "r['summary']['files']") == 8 ]] || fail "local node: not every file ran"
rm -f /tmp/node.log /tmp/runner.log /tmp/ran.log  # what the local node wrote on this box
echo "ok: the local box as a node beside a remote one"

# --retry reruns a failed file on another node: this file fails on whichever node runs it first
# and passes anywhere else (nodes share /var/tmp, not /tmp), so it is flaky only if the rerun
# went to another node.
project=$WORK/retry
mkdir -p "$project/t"
marker=/var/tmp/dt-cluster-it.$$
printf 'for f in %s.*; do [ -e "$f" ] && [ "$f" != "%s.$DISTRIBUTEST_NODE" ] && exit 0; done\ntouch "%s.$DISTRIBUTEST_NODE"; exit 1\n' \
  "$marker" "$marker" "$marker" > "$project/t/flaky.sh"
echo 'sleep 1' > "$project/t/other.sh"
cd "$project"
run_cluster --nodes n1,n2 -n 1 --framework command --command 'sh {file}' --retry 1 't/*.sh' --json report.json
rm -f "$marker".*
assert_rc 0
[[ $(json_get report.json "r['summary']['flaky']") == 1 ]] || fail "retry: no flaky file: $(cat "$WORK/out")"
first=$(json_get report.json "[f['error'] for f in r['files'] if f['path']=='t/flaky.sh'][0]")
second=$(json_get report.json "[f['node'] for f in r['files'] if f['path']=='t/flaky.sh'][0]")
[[ $first != *"_${second}_"* ]] || fail "retry: the rerun stayed on $second ($first)"
echo "ok: --retry reran the failed file on another node ($first; passed on $second)"
cd "$WORK/hooks"

# 16 runners on one node whose sshd has the default MaxSessions (10).
run_cluster -n 16 --nodes n1
assert_rc 0
[[ $(grep -c . "$WORK/out" >/dev/null; "$TC" exec n1 cat /tmp/runner.log | sort -u | wc -l) -ge 16 ]] ||
  fail "16 runners did not all start on n1: $(cat "$WORK/out")"
echo "ok: 16 runners on one node"

# An unmarked, non-empty target is refused and left untouched; the other nodes go on.
dir=/root/$(remote_copy "$WORK/hooks")
"$TC" exec n2 sh -c "mkdir -p '$dir' && echo mine > '$dir/precious' && rm -f '$dir/.distributest-dir'"
run_cluster -n 1
assert_rc 0
assert_out_contains "refusing to sync into"
[[ $("$TC" exec n2 cat "$dir/precious") == mine ]] || fail "the unmarked dir was touched"
echo "ok: an unmarked target is refused, untouched"

# Host keys: unknown = refused with the fingerprint (exit 3 when no node is left);
# accept-new records it; a changed key is refused even then.
known=$(sed -n 's/^known_hosts = "\(.*\)"$/\1/p' "$config")
empty_known=$WORK/known_hosts
: > "$empty_known"
sed "s|^known_hosts = .*|known_hosts = \"$empty_known\"|" "$config" > "$WORK/strict.toml"
set +e; "$TC" run "$DT" -c "$WORK/strict.toml" --nodes n1 >"$WORK/out" 2>&1; rc=$?; set -e
assert_rc 3
assert_out_contains "unknown host key for n1"
assert_out_contains "SHA256:"
sed 's|^host_key_policy = .*|host_key_policy = "accept-new"|' "$WORK/strict.toml" > "$WORK/accept.toml"
set +e; "$TC" run "$DT" -c "$WORK/accept.toml" --nodes n1 >"$WORK/out" 2>&1; rc=$?; set -e
assert_rc 0
grep -q "^10.77.0.11 ssh-ed25519 " "$empty_known" || fail "accept-new did not record the key: $(cat "$empty_known")"
# Swap in n2's key for n1's address: a changed key.
n2_key=$(grep '^10.77.0.12 ' "$known" | cut -d' ' -f2-)
echo "10.77.0.11 $n2_key" > "$empty_known"
set +e; "$TC" run "$DT" -c "$WORK/accept.toml" --nodes n1 >"$WORK/out" 2>&1; rc=$?; set -e
assert_rc 3
assert_out_contains "HOST KEY CHANGED for n1"
echo "ok: host keys"

# A node cut mid-run is declared lost within 12 s (TCP_USER_TIMEOUT 8 s, the keepalive tick);
# its files in flight run elsewhere; every file is reported once.
project=$WORK/cut
mkdir -p "$project/t"
for i in 1 2 3 4 5 6 7 8; do echo 'sleep 3' > "$project/t/$i.sh"; done
cd "$project"
( sleep 4.5; "$TC" cut n2 ) &
run_cluster --nodes n1,n2 -n 2 --framework command --command 'sh {file}' 't/*.sh' --json report.json
wait
"$TC" heal n2
assert_rc 0
[[ $(json_get report.json "r['summary']['files']") == 8 ]] || fail "cut: not every file reported"
[[ $(json_get report.json "r['summary']['not_run']") == 0 ]] || fail "cut: files not run"
lost=$(json_get report.json "[n['status'] for n in r['nodes'] if n['name']=='n2'][0]")
[[ $lost == "lost after"* ]] || fail "cut: n2 not reported lost: $lost"
after=$(echo "$lost" | sed -n 's/^lost after \([0-9.]*\)s.*/\1/p')
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$after') < 4.5 + 12 else 1)" ||
  fail "cut: lost only after ${after}s (cut at ~4.5s; the bound is 12s)"
echo "ok: a cut node is lost ($lost), its files ran elsewhere"
cd "$WORK/hooks"

# Sync honours .gitignore and [sync] exclude; authentication through ssh-agent works; hashed
# known_hosts entries are matched.
project=$WORK/syncing
mkdir -p "$project/t" "$project/build" "$project/secret" "$project/.distributest"
echo 'true' > "$project/t/a.sh"
echo 'build/' > "$project/.gitignore"
echo 'artifact' > "$project/build/out.bin"
echo 'key' > "$project/secret/token"
cat > "$project/.distributest/config.toml" <<'TOML'
framework = "command"
command = "sh {file}"
files = ["t/*.sh"]
[sync]
exclude = ["secret/"]
TOML
key=$(sed -n 's/^identity = "\(.*\)"$/\1/p' "$config" | head -n 1)
known=$(sed -n 's/^known_hosts = "\(.*\)"$/\1/p' "$config")
cp "$known" "$WORK/hashed_known_hosts"
ssh-keygen -q -H -f "$WORK/hashed_known_hosts" 2>/dev/null
grep -q '^|1|' "$WORK/hashed_known_hosts" || fail "known_hosts was not hashed"
grep -v '^identity = ' "$config" | sed "s|^known_hosts = .*|known_hosts = \"$WORK/hashed_known_hosts\"|" > "$WORK/agent.toml"
eval "$(ssh-agent -s)" >/dev/null
ssh-add -q "$key" 2>/dev/null
cd "$project"
set +e; "$TC" run env SSH_AUTH_SOCK="$SSH_AUTH_SOCK" "$DT" -c "$WORK/agent.toml" --nodes n1 -v >"$WORK/out" 2>&1; rc=$?; set -e
ssh-agent -k >/dev/null
assert_rc 0
dir=/root/$(remote_copy "$project")
"$TC" exec n1 test -f "$dir/t/a.sh" || fail "the project was not synced"
"$TC" exec n1 test -f "$dir/.gitignore" || fail ".gitignore itself should be synced"
if "$TC" exec n1 test -e "$dir/build/out.bin"; then fail ".gitignore'd build/ was synced"; fi
if "$TC" exec n1 test -e "$dir/secret/token"; then fail "[sync] exclude'd secret/ was synced"; fi
echo "ok: .gitignore and [sync] exclude honoured; ssh-agent auth; hashed known_hosts"
cd "$WORK/hooks"

# An RSA-only setup gets an error that says why (libssh2 1.10 has no rsa-sha2) and what to do.
ssh-keygen -q -t rsa -b 2048 -N '' -f "$WORK/id_rsa"
cat "$WORK/id_rsa.pub" >> "$(dirname "$config")/authorized_keys"
sed "s|^identity = .*|identity = \"$WORK/id_rsa\"|" "$config" > "$WORK/rsa.toml"
set +e; "$TC" run "$DT" -c "$WORK/rsa.toml" --nodes n1 >"$WORK/out" 2>&1; rc=$?; set -e
assert_rc 3
assert_out_contains "only RSA keys were offered"
assert_out_contains "Use an ed25519 or ECDSA key"
echo "ok: RSA-only keys get a clear error"

# An unreachable node is reported and skipped; the run goes on with the others.
"$TC" cut n3
run_cluster -n 1
assert_rc 0
assert_out_contains "node n3 (10.77.0.13) left out"
"$TC" heal n3
nothing_left_on_nodes
echo "ok: an unreachable node is skipped"
