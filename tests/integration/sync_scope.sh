#!/usr/bin/env bash
# Where the project lands on a node, and what of it: a node may not be named "local" unless it
# is this box (an unmarked dir at its target survives); two checkouts with the same name get a
# copy each; in a git work tree the nodes get what git would ship, a test file they do not get
# is named and not sent to them, and files node_setup made there that a .gitignore names stay.
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: the test cluster needs root and network namespaces"; exit 77; }
cluster_up 1 syncscope

# remote_dir_of REPORT: the node's copy of the project, relative to the remote home.
remote_dir_of() {
  json_get "$1" "[n['remote_dir'] for n in r['nodes'] if n['name'] == 'n1'][0]"
}

command_project() {  # command_project DIR: a command-framework project with one passing file
  mkdir -p "$1/t" "$1/.distributest"
  echo 'true' > "$1/t/a.sh"
  printf 'framework = "command"\ncommand = "sh {file}"\nfiles = ["t/*.sh"]\n' > "$1/.distributest/config.toml"
}

# --- A node named "local" that is another machine ---
project=$WORK/named
command_project "$project"
cd "$project"
run_cluster -n 1 --json report.json
assert_rc 0
dir=/root/$(remote_dir_of report.json)
# The same target, now unmarked and holding someone's file.
"$TC" exec n1 sh -c "rm -f '$dir/.distributest-dir' && echo mine > '$dir/precious'"
sed 's/^name = "n1"$/name = "local"/' "$config" > "$WORK/local-named.toml"
grep -q '^name = "local"$' "$WORK/local-named.toml" || fail "could not rename n1 in $config"
set +e; "$TC" run "$DT" -c "$WORK/local-named.toml" -n 1 >"$WORK/out" 2>&1; rc=$?; set -e
[[ $("$TC" exec n1 cat "$dir/precious" 2>&1) == mine ]] || fail "the unmarked dir on n1 was touched"
assert_rc 2
assert_out_contains "$WORK/local-named.toml:"
assert_out_contains "'node[1].name' is \"local\""
echo "ok: a remote node named \"local\" is refused; the unmarked dir on it survives"

# --- Two checkouts with the same name, in different folders ---
mkdir -p "$WORK/ann" "$WORK/old"
for checkout in "$WORK/ann/app" "$WORK/old/app"; do
  command_project "$checkout"
  echo "$checkout" > "$checkout/whose"
  cd "$checkout"
  run_cluster -n 1 --json report.json
  assert_rc 0
done
first=/root/$(remote_dir_of "$WORK/ann/app/report.json")
second=/root/$(remote_dir_of "$WORK/old/app/report.json")
[[ $first != "$second" ]] || fail "both checkouts named app share $first on n1"
[[ $first == /root/.cache/distributest/app-*@$host && $second == /root/.cache/distributest/app-*@$host ]] ||
  fail "the copies are not named after the project: $first, $second"
[[ $("$TC" exec n1 cat "$first/whose") == "$WORK/ann/app" ]] || fail "$first holds the other checkout"
[[ $("$TC" exec n1 cat "$second/whose") == "$WORK/old/app" ]] || fail "$second holds the other checkout"
# clean finds each checkout's own copy, and only that one.
cd "$WORK/ann/app"
run_cluster clean
assert_rc 0
assert_out_contains "removed node n1: ${first#/root/}"
"$TC" exec n1 test ! -e "$first" || fail "clean left $first"
"$TC" exec n1 test -e "$second/whose" || fail "clean in one checkout removed the other's copy"
echo "ok: two checkouts named app get a copy each on n1; clean removes its own"

# --- In a git work tree: what git would ship, and only that is dispatched ---
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1  # no excludes file of this box's user
project=$WORK/gitproj
command_project "$project"
cd "$project"
printf 't/scratch.sh\n*.log\n.venv/\nreport.json\n' > .gitignore
echo 'true' > t/scratch.sh   # ignored: the node does not get it, so it must not be sent there
echo 'helper' > keep.log     # tracked although *.log is ignored: the node gets it
echo 'x' > untracked.txt     # untracked and not ignored: the node gets it
git init -q . && git add .gitignore t/a.sh .distributest && git add -f keep.log
git -c user.name=t -c user.email=t@t commit -qm init
run_cluster -n 1 --json report.json
assert_rc 0
assert_out_contains "1 test file(s) left out of this run: the sync does not put them on the nodes"
assert_out_contains "  t/scratch.sh: git ignores it"
[[ $(json_get report.json "[f['path'] for f in r['files']]") == "['t/a.sh']" ]] ||
  fail "files run: $(json_get report.json "[f['path'] for f in r['files']]")"
dir=/root/$(remote_dir_of report.json)
"$TC" exec n1 test -f "$dir/keep.log" || fail "a tracked file that .gitignore matches was not synced"
"$TC" exec n1 test -f "$dir/untracked.txt" || fail "an untracked, not ignored file was not synced"
! "$TC" exec n1 test -e "$dir/t/scratch.sh" || fail "an ignored file was synced"
# What node_setup made there and a .gitignore names stays; what the project lost goes.
"$TC" exec n1 sh -c "mkdir -p '$dir/.venv/bin' && touch '$dir/.venv/bin/python' '$dir/stale.txt'"
rm untracked.txt
run_cluster -n 1
assert_rc 0
"$TC" exec n1 test -f "$dir/.venv/bin/python" || fail "the node's .venv (ignored) was deleted"
! "$TC" exec n1 test -e "$dir/stale.txt" || fail "a file the project does not have stayed on n1"
! "$TC" exec n1 test -e "$dir/untracked.txt" || fail "a file deleted here stayed on n1"
echo "ok: the node gets what git would ship; the ignored test file is named, not dispatched"

# Only this box's runners: they work in the project itself, so the ignored file runs too.
run_dt --local -n 1 --json local.json
assert_rc 0
[[ $(json_get local.json "sorted(f['path'] for f in r['files'])") == "['t/a.sh', 't/scratch.sh']" ]] ||
  fail "--local ran $(json_get local.json "[f['path'] for f in r['files']]")"
# Nothing left to run on the nodes: a usage error that says why, nothing runs.
run_cluster -n 1 t/scratch.sh
assert_rc 2
assert_out_contains "no test file to run: the nodes do not get the 1 test file(s) found"
assert_out_contains "  t/scratch.sh: git ignores it"
echo "ok: --local runs the ignored file; naming only it for the nodes is refused"
