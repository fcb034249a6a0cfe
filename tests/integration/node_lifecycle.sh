#!/usr/bin/env bash
# A node's life around its files, on a real 2-node test cluster:
#  1. a runner's exit-time work on a node (an RSpec at_exit that takes 3 s, as SimpleCov's or a
#     database teardown would) finishes: "no more work" is a message, not the end of stdin, so
#     the wrapper's 1 s watchdog no longer kills it;
#  2. a node_setup that hangs is ended after [hooks] timeout and its node left out, while the
#     other node runs every file;
#  3. every file ran while a node is still in node_setup: the run ends at once instead of
#     waiting for that node (seen: 0.04 s of tests, 40 s of waiting), and node_setup knows its
#     node's name;
#  4. one of a node's two SSH connections dies (its sshd process killed): the run ends, every
#     file reported exactly once (the node's runners on the other connection used to sit idle
#     and the run hung).
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: the test cluster needs root and network namespaces"; exit 77; }
cluster_up 2 lifecycle

# 1. at_exit on nodes.
project=$WORK/teardown
mkdir -p "$project/spec"
echo '--require spec_helper' > "$project/.rspec"
cat > "$project/spec/spec_helper.rb" <<'RUBY'
at_exit do
  sleep 3
  File.write("/tmp/teardown-#{ENV['DISTRIBUTEST_RUNNER_ID']}", "done\n")
end
RUBY
for i in 1 2 3 4; do
  printf 'RSpec.describe "f%s" do\n  it("passes") { expect(1).to eq(1) }\nend\n' "$i" > "$project/spec/f${i}_spec.rb"
done
cd "$project"
run_cluster -n 2 --framework rspec --json report.json
assert_rc 0
# Every runner that ran a file (one still starting when the work was done is ended unused).
for runner in $(json_get report.json "' '.join(x['id'] for x in r['runners'] if x['files'])"); do
  node=$(json_get report.json "[x['node'] for x in r['runners'] if x['id'] == '$runner'][0]")
  "$TC" exec "$node" test -f "/tmp/teardown-$runner" ||
    fail "runner $runner's at_exit on $node was cut short (no /tmp/teardown-$runner)"
done
echo "ok: at_exit work of 3 s on the nodes' runners finished"

# 2 and 3: hooks.
project=$WORK/hooks
mkdir -p "$project/t" "$project/.distributest"
for i in 1 2 3 4; do echo 'true' > "$project/t/$i.sh"; done
write_config() {  # write_config TIMEOUT
  cat > "$project/.distributest/config.toml" <<TOML
framework = "command"
command = "sh {file}"
files = ["t/*.sh"]
[hooks]
timeout = $1
node_setup = 'echo "\$DISTRIBUTEST_NODE" > /tmp/node_setup.name; if [ "\$DISTRIBUTEST_NODE" = n2 ]; then sleep 60; fi'
TOML
}
cd "$project"
write_config 1800
start=$(date +%s.%N)
run_cluster -n 2 --json report.json
took=$(/usr/bin/python3 -c "import time; print(f'{time.time() - $start:.1f}')")
assert_rc 0
[[ $(json_get report.json "sum(f['status'] == 'passed' for f in r['files'])") == 4 ]] || fail "not every file passed"
/usr/bin/python3 -c "import sys; sys.exit(0 if $took < 20 else 1)" ||
  fail "the run took ${took}s: it waited for n2's node_setup (60 s) after every file had run"
[[ $(json_get report.json "[n['status'] for n in r['nodes'] if n['name'] == 'n2'][0]") == "not used: "* ]] ||
  fail "n2 is not reported as unused: $(json_get report.json "r['nodes']")"
[[ $("$TC" exec n1 cat /tmp/node_setup.name) == n1 ]] || fail "node_setup on n1 did not get DISTRIBUTEST_NODE=n1"
echo "ok: the run ended ${took}s in, without waiting for n2's 60 s node_setup; node_setup knows its node"

write_config 2
for i in 1 2 3 4; do echo 'sleep 1.5' > "t/$i.sh"; done
run_cluster -n 2 --json report.json
assert_rc 0
[[ $(json_get report.json "[n['status'] for n in r['nodes'] if n['name'] == 'n2'][0]") == "failed: node_setup timed out after 2s" ]] ||
  fail "n2's node_setup did not time out: $(json_get report.json "r['nodes']")"
[[ $(json_get report.json "sum(f['status'] == 'passed' and f['node'] == 'n1' for f in r['files'])") == 4 ]] ||
  fail "n1 did not run every file"
for _ in $(seq 30); do
  left=$("$TC" exec n2 ps -eo args= | grep -E '^sleep 60' || true)
  [[ -z $left ]] && break
  sleep 0.1
done
[[ -z $left ]] || fail "n2's timed-out node_setup is still running 3 s after the run: $left"
echo "ok: a hanging node_setup timed out after 2 s, its node left out, n1 ran every file"

# 4. One of two connections lost. 8 runners on n1 need two connections (8 channels each, with
# room for the lock and hooks); n2 has 2 runners.
project=$WORK/partial
mkdir -p "$project/t" "$project/.distributest"
for i in $(seq 30); do echo 'sleep 3' > "$project/t/$i.sh"; done
cat > "$project/.distributest/config.toml" <<'TOML'
framework = "command"
command = "sh {file}"
files = ["t/*.sh"]
TOML
sed 's/^runners = .*//' "$config" > "$WORK/partial.toml"
/usr/bin/python3 - "$WORK/partial.toml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
# n1 (the first node) gets 12 runners (with the lock, more than one connection's 10 channels),
# n2 two.
parts = text.split("[[node]]")
parts[1] = parts[1].rstrip("\n") + "\nrunners = 12\n\n"
parts[2] = parts[2].rstrip("\n") + "\nrunners = 2\n\n"
open(path, "w").write("[[node]]".join(parts))
PY
cd "$project"
"$TC" run timeout 90 "$DT" -c "$WORK/partial.toml" --json report.json >"$WORK/out" 2>&1 &
dt_pid=$!
sessions=""
for _ in $(seq 100); do
  sessions=$("$TC" exec n1 ps -eo pid=,args= | awk '/sshd: root@notty/ {print $1}')
  [[ $(echo "$sessions" | grep -c .) -ge 2 ]] && break
  sleep 0.1
done
[[ $(echo "$sessions" | grep -c .) -ge 2 ]] || { cat "$WORK/out" >&2; fail "n1 did not get two SSH connections"; }
sleep 2  # every runner busy
victim=$("$TC" exec n1 ps -eo pid=,args= | awk '/sshd: root@notty/ {print $1}' | tail -n 1)
"$TC" exec n1 kill -KILL "$victim"
set +e
wait $dt_pid
rc=$?
set -e
[[ $rc != 124 ]] || { cat "$WORK/out" >&2; fail "the run hung after one of n1's two connections died"; }
assert_rc 0
[[ $(json_get report.json "len(r['files'])") == 30 && $(json_get report.json "sum(f['status'] == 'passed' for f in r['files'])") == 30 ]] ||
  fail "not every file passed exactly once: $(json_get report.json "[(f['path'], f['status']) for f in r['files']]")"
[[ $(json_get report.json "[n['status'] for n in r['nodes'] if n['name'] == 'n1'][0]") == "lost after"* ]] ||
  fail "n1 is not reported lost: $(json_get report.json "r['nodes']")"
echo "ok: one of n1's two connections died: the run ended, all 30 files passed once"
