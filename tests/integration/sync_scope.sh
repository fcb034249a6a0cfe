#!/usr/bin/env bash
# Where the project lands on a node, and what of it: a node may not be named "local" unless it
# is this box (an unmarked dir at its target survives).
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
