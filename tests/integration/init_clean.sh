#!/usr/bin/env bash
# `distributest init` writes a commented config and two executable hook scripts for the
# detected framework, never overwriting without --force; `distributest clean` removes old run
# logs (keeping the newest 10 and latest.log) and, on a test cluster node, this box's marked copy
# of the project, but never an unmarked directory at that path.
source "$(dirname "$0")/lib.sh"

# --- init ---
project=$(project_from rspec)
cd "$project"
rm -rf .distributest
run_dt init
assert_rc 0
for f in config.toml node_setup runner_setup; do
  [[ -f .distributest/$f ]] || fail "init did not write .distributest/$f"
  assert_out_contains "wrote .distributest/$f"
done
[[ -x .distributest/node_setup && -x .distributest/runner_setup ]] || fail "hooks not executable"
grep -q '^framework = "rspec"' .distributest/config.toml || fail "framework not rspec"
grep -q '^# Detected by `distributest init`: found ' .distributest/config.toml || fail "no detection note"
grep -q '^#\[\[node\]\]' .distributest/config.toml || fail "no commented [[node]] example"
grep -q '^node_setup = ".distributest/node_setup"' .distributest/config.toml || fail "node_setup hook"
grep -q '^runner_setup = ".distributest/runner_setup"' .distributest/config.toml || fail "runner_setup hook"
grep -q 'bundle install' .distributest/node_setup || fail "node_setup lacks the bundle example"
grep -q 'python3 -m venv .venv' .distributest/node_setup || fail "node_setup lacks the venv example"
grep -q 'createdb "app_test_$runner"' .distributest/runner_setup || fail "runner_setup lacks createdb"
assert_out_contains "framework: rspec"
run_dt config
assert_rc 0
assert_out_contains 'framework = "rspec"  # '"$project/.distributest/config.toml"
assert_out_contains 'hooks.runner_setup = ".distributest/runner_setup"'
# The hooks as written (all examples commented out) run fine.
.distributest/node_setup && .distributest/runner_setup host_local_1 || fail "the hook scripts fail"

echo '# mine' > .distributest/runner_setup
run_dt init
assert_rc 2
assert_out_contains "$project/.distributest/config.toml already exists"
assert_out_contains "$project/.distributest/runner_setup already exists"
assert_out_contains "--force"
[[ $(cat .distributest/runner_setup) == '# mine' ]] || fail "init overwrote a file without --force"
run_dt init --force
assert_rc 0
grep -q 'createdb' .distributest/runner_setup || fail "init --force did not rewrite runner_setup"

empty=$WORK/empty && mkdir -p "$empty" && cd "$empty"
run_dt init
assert_rc 0
assert_out_contains "no test framework detected"
grep -q '^framework = "command"' .distributest/config.toml || fail "undetected: not command"
grep -q '^#command = "sh {file}"' .distributest/config.toml || fail "undetected: no command example"
run_dt config
assert_rc 0
echo "ok: init"

# --- clean: logs ---
logs=$XDG_STATE_HOME/distributest/logs
mkdir -p "$logs"
for i in $(seq -w 1 15); do echo "log $i" > "$logs/run-20260101-0000$i-$((1000 + 10#$i)).log"; done
ln -s run-20260101-000015-1015.log "$logs/latest.log"
run_dt clean --dry-run
assert_rc 0
[[ $(grep -c '^would remove ' "$WORK/out") == 5 ]] || { cat "$WORK/out"; fail "dry run: wanted 5 logs listed"; }
for i in 01 02 03 04 05; do assert_out_contains "would remove $logs/run-20260101-0000$i-"; done
[[ $(ls "$logs" | wc -l) == 16 ]] || fail "clean --dry-run removed something"
run_dt clean
assert_rc 0
[[ $(grep -c '^removed ' "$WORK/out") == 5 ]] || { cat "$WORK/out"; fail "clean: wanted 5 logs removed"; }
[[ $(ls "$logs" | grep -c '^run-') == 10 ]] || fail "clean did not keep 10 logs: $(ls "$logs")"
[[ -e $logs/latest.log && -e $logs/run-20260101-000006-1006.log && ! -e $logs/run-20260101-000005-1005.log ]] ||
  fail "clean removed the wrong logs: $(ls "$logs")"
run_dt clean
assert_rc 0
assert_out_contains "logs: nothing to remove"
echo "ok: clean logs"

# A node that cannot be reached is reported with the reason (exit 1); host = "local" has
# nothing remote to clean.
printf '[[node]]\nhost = "local"\nname = "me"\n[[node]]\nhost = "127.0.0.1"\nport = 1\nname = "gone"\n' > "$WORK/nodes.toml"
run_dt clean -c "$WORK/nodes.toml"
assert_rc 1
assert_out_contains "node me: this box"
assert_out_contains "node gone (127.0.0.1): cannot connect"
echo "ok: clean reports an unreachable node"

# --- clean: a node's copy (needs the test cluster) ---
cluster_available || { echo "SKIP (cluster part): the test cluster needs root and network namespaces"; exit 0; }
cluster_up 1 initclean
project=$WORK/cleanme
mkdir -p "$project/t" "$project/.distributest"
echo 'true' > "$project/t/a.sh"
printf 'framework = "command"\ncommand = "sh {file}"\nfiles = ["t/*.sh"]\n' > "$project/.distributest/config.toml"
cd "$project"
run_cluster -n 1
assert_rc 0
dir=$(remote_copy "$project")
"$TC" exec n1 test -e "/root/$dir/.distributest-dir" || fail "the run left no marked dir on n1"
run_cluster clean --dry-run
assert_rc 0
assert_out_contains "would remove node n1: $dir"
"$TC" exec n1 test -e "/root/$dir/t/a.sh" || fail "clean --dry-run removed the node's copy"
run_cluster clean
assert_rc 0
assert_out_contains "removed node n1: $dir"
! "$TC" exec n1 test -e "/root/$dir" || fail "clean left $dir on n1"
run_cluster clean
assert_rc 0
assert_out_contains "node n1: $dir: nothing there"
# An unmarked directory at that path is not ours: reported, left alone.
"$TC" exec n1 sh -c "mkdir -p '/root/$dir' && echo precious > '/root/$dir/keep'"
run_cluster clean
assert_rc 1
assert_out_contains "not ours: $dir"
"$TC" exec n1 test -e "/root/$dir/keep" || fail "clean removed an unmarked dir"
echo "ok: clean on a node"

# A copy under the name earlier versions used (<project>@<host>, shared by every checkout of
# that name) is removed too when distributest marked it; an unmarked one is left, unmentioned.
old=.cache/distributest/cleanme@$host
"$TC" exec n1 sh -c "rm -rf '/root/$dir' && mkdir -p '/root/$old' && touch '/root/$old/.distributest-dir'"
run_cluster clean
assert_rc 0
assert_out_contains "removed node n1: $old (named as by earlier versions"
! "$TC" exec n1 test -e "/root/$old" || fail "clean left the old-style $old on n1"
"$TC" exec n1 sh -c "mkdir -p '/root/$old' && echo theirs > '/root/$old/keep'"
run_cluster clean
assert_rc 0
! grep -qF "$old" "$WORK/out" || { cat "$WORK/out"; fail "clean mentions an unmarked old-style dir"; }
"$TC" exec n1 test -e "/root/$old/keep" || fail "clean removed an unmarked old-style dir"
echo "ok: clean removes a marked copy left under the old name"
