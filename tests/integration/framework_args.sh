#!/usr/bin/env bash
# Arguments after `--` (or the `args` setting) reach the framework for every file, each as one
# word, locally and on remote nodes: `-- -k "not fails and not raises"` gives the counts serial
# pytest gives with the same arguments. A `$(...)` in them stays data. They are refused with the
# command framework and with subcommands.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export DISTRIBUTEST_PYTHON=$PY PYTHONDONTWRITEBYTECODE=1

project=$(project_from pytest)
cd "$project"
select='not fails and not raises'

# Serial pytest with the same arguments: examples = all outcomes, failures = failed + error,
# pending = skipped + xfailed (as the fixture's EXPECTED counts them).
set +e
"$PY" -m pytest -p no:cacheprovider -k "$select" >"$WORK/serial" 2>&1
set -e
read -r examples failures pending < <("$PY" - "$WORK/serial" <<'PY'
import re, sys
line = [l for l in open(sys.argv[1]) if re.search(r"\d+ (passed|failed)", l)][-1]
n = {k: int(v) for v, k in re.findall(r"(\d+) (\w+)", line)}
g = lambda k: n.get(k, 0) + n.get(k + "s", 0)
print(g("passed") + g("failed") + g("error") + g("skipped") + g("xfailed") + g("xpassed"),
      g("failed") + g("error"), g("skipped") + g("xfailed"))
PY
)
[[ $(grep -c deselected "$WORK/serial") -ge 1 ]] || fail "serial pytest deselected nothing: $(tail -1 "$WORK/serial")"
full=$(expected pytest examples)
((examples < full)) || fail "-k selected all $full examples; the test would prove nothing"

run_dt -n 2 --json report.json tests -- -k "$select"
assert_rc 1
assert_summary report.json "$examples" "$failures" "$pending" "pytest -- -k '$select'"
echo "ok: -- -k '$select': $examples examples, $failures failures, $pending pending, as serial pytest"
run_dt --dry-run tests -- -k "$select"
assert_out_contains "framework arguments: '-k' 'not fails and not raises' (command line)"

# The same from the config, and the command line replacing it.
mkdir -p .distributest
printf 'args = ["-k", "%s"]\n' "$select" > .distributest/config.toml
run_dt -n 2 --json report.json tests
assert_summary report.json "$examples" "$failures" "$pending" "args in the config"
run_dt -n 2 --json report.json tests --
assert_fixture_summary report.json pytest "a bare -- clearing args"
rm .distributest/config.toml
echo "ok: args from the config; a bare -- clears them"

# Hostile arguments are data.
run_dt -n 2 --json report.json tests -- -k '$(touch pwned-by-args) or `touch pwned2`'
[[ ! -e pwned-by-args && ! -e pwned2 ]] || fail "an argument after -- ran as shell code"
echo "ok: \$(...) and backticks after -- stay data"

run_dt --framework command --command 'sh {file}' -- -x
assert_rc 2
assert_out_contains "are for rspec, minitest and pytest"
run_dt config -- -x
assert_rc 2
assert_out_contains "arguments after -- are for a run"
echo "ok: refused with the command framework and with subcommands"

# On remote nodes, through SSH and the remote shell, each argument is still one word.
if cluster_available; then
  cluster_up 2 args
  run_cluster -n 2 --json report.json tests -- -k "$select"
  assert_rc 1
  assert_summary report.json "$examples" "$failures" "$pending" "on 2 nodes"
  # Which node takes which file is the scheduler's business: on a loaded box one node's
  # runners can finish these 12 quick files before the other node is up. Every file ran on a
  # cluster node, so every one went through SSH and the remote shell.
  nodes=$(json_get report.json "sorted(set(f['node'] for f in r['files']))")
  [[ $nodes == "['n1']" || $nodes == "['n2']" || $nodes == "['n1', 'n2']" ]] ||
    fail "the files ran on $nodes, not on the cluster's nodes"
  run_cluster -n 2 --json report.json tests -- -k '$(touch pwned-by-args) or `touch pwned2`'
  for node in n1 n2; do
    "$TC" exec "$node" sh -c "test -d /root/$(remote_copy "$project") && test ! -e /root/$(remote_copy "$project")/pwned-by-args &&
      test ! -e /root/$(remote_copy "$project")/pwned2" || fail "an argument after -- ran as code on $node"
  done
  echo "ok: -- arguments reach pytest on the cluster's nodes as single words ($nodes)"
else
  echo "skip: the remote part needs root and namespaces"
fi
