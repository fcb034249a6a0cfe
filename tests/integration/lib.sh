# Shared by the integration tests: each is `bash test.sh /path/to/distributest`.
# Every test works in its own temp dir (removed on exit) and fails loudly with a reason.
set -euo pipefail

DT=${1:?usage: $0 /path/to/distributest}
SRC=${DISTRIBUTEST_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FIXTURES=$SRC/tests/fixtures
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dt-it.XXXXXX")
# Logs go to the temp dir, not the user's state dir.
export XDG_STATE_HOME=$WORK/state
export DISTRIBUTEST_SYSTEM_CONFIG=$WORK/no-system-config.toml
export XDG_CONFIG_HOME=$WORK/config
export NO_COLOR=1
trap 'rm -rf "$WORK"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Copies a fixture suite into a fresh project dir and prints its path.
project_from() {
  local dir=$WORK/$1-project
  mkdir -p "$dir"
  cp -a "$FIXTURES/$1/." "$dir/"
  echo "$dir"
}

# json_get FILE EXPR: evaluates a Python expression over the parsed report `r`.
json_get() {
  /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

expected() {  # expected FIXTURE KEY
  grep -v '^#' "$FIXTURES/$1/EXPECTED" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# assert_summary REPORT EXAMPLES FAILURES PENDING [WHAT]: the JSON report's totals are these
# (what a serial run of the framework printed), and every file got a result.
assert_summary() {
  local report=$1 what=${5:-$1} key got want i=2
  for key in examples failures pending; do
    want=${!i}
    i=$((i + 1))
    got=$(json_get "$report" "r['summary']['$key']")
    [[ "$got" == "$want" ]] || fail "$what: $key = $got, the serial run has $want"
  done
  [[ $(json_get "$report" "r['summary']['not_run']") == 0 ]] || fail "$what: files not run"
}

# assert_fixture_summary REPORT FIXTURE [WHAT]: as assert_summary, with the fixture's EXPECTED.
assert_fixture_summary() {
  assert_summary "$1" "$(expected "$2" examples)" "$(expected "$2" failures)" \
    "$(expected "$2" pending)" "${3:-$2}"
}

# Whether tools/testcluster can run here: root and network/PID namespaces.
cluster_available() {
  ((EUID == 0)) && ip netns list >/dev/null 2>&1 &&
    unshare --net --uts --mount --pid --fork true 2>/dev/null
}

# cluster_up N NAME: a test cluster of N nodes of this test's own (torn down on exit). Sets
# TC, config (the path of its distributest config) and host (this box's short name).
cluster_up() {
  TC=$SRC/tools/testcluster
  export DISTRIBUTEST_TESTCLUSTER_DIR=/run/distributest-$2-it.$$
  trap '"$TC" down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
  config=$("$TC" up "$1" 2>/dev/null | tail -n 1)
  host=$(hostname -s)
}

# remote_copy PROJECT_DIR: where a node keeps this box's copy of PROJECT_DIR, relative to the
# remote home: <name>-<8 hex digits of sha256(absolute path)>@<this host> (src/sync/sync.h).
remote_copy() {
  local path
  path=$(cd "$1" && pwd -P)
  echo ".cache/distributest/$(basename "$path")-$(printf '%s' "$path" | sha256sum | cut -c1-8)@$(hostname -s)"
}

# rsync_shim: puts $WORK/shim/rsync, which logs its arguments to $WORK/rsync.calls and runs the
# real one, where `PATH=$WORK/shim:$PATH` finds it: how many rsyncs the master started.
rsync_shim() {
  mkdir -p "$WORK/shim"
  printf '#!/bin/sh\necho "$*" >> %s/rsync.calls\nexec /usr/bin/rsync "$@"\n' "$WORK" > "$WORK/shim/rsync"
  chmod +x "$WORK/shim/rsync"
}

# Runs distributest inside the cluster's control namespace, where the nodes are; output in
# $WORK/out, exit status in $rc.
run_cluster() {
  set +e
  "$TC" run "$DT" -c "$config" "$@" >"$WORK/out" 2>&1
  rc=$?
  set -e
}

# Runs distributest, capturing stdout+stderr in $WORK/out and the exit status in $rc.
run_dt() {
  set +e
  "$DT" "$@" >"$WORK/out" 2>&1
  rc=$?
  set -e
}

assert_rc() {
  [[ $rc == "$1" ]] || { cat "$WORK/out" >&2; fail "exit status $rc, wanted $1"; }
}

assert_out_contains() {
  grep -qF -- "$1" "$WORK/out" || { cat "$WORK/out" >&2; fail "output lacks: $1"; }
}

# assert_no_process REGEX: none of this machine's processes (every test's, every node's) has a
# command line matching REGEX within 5 s; anchor it, and pick a command no other test runs.
assert_no_process() {
  local pattern=$1 i
  for i in $(seq 50); do
    pgrep -f -- "$pattern" >/dev/null || return 0
    sleep 0.1
  done
  pgrep -af -- "$pattern" >&2
  fail "processes matching '$pattern' are still running"
}

# load_page PAGE DOM_OUT: loads a local page in Debian's headless Chromium and writes the DOM
# the page's script built; fails on any console message (a script error shows up there).
CHROMIUM=/usr/bin/chromium
load_page() {
  local profile
  profile=$(mktemp -d "$WORK/chromium.XXXXXX")
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 --dump-dom "file://$1" >"$2" 2>"$WORK/chromium.log"
  if grep -E 'CONSOLE|Uncaught' "$WORK/chromium.log" | grep -qvi 'dbus'; then
    grep -E 'CONSOLE|Uncaught' "$WORK/chromium.log" >&2
    fail "console messages while loading $1"
  fi
}

# count_in FILE STRING: how many times STRING occurs in FILE.
count_in() {
  grep -oF -- "$2" "$1" | wc -l
}
