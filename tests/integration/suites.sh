#!/usr/bin/env bash
# Each fixture suite (rspec, minitest, pytest, command) run in parallel with no config: the
# counts equal the framework's own serial run (EXPECTED), hostile file names run as data, and
# the second run dispatches slowest first from the timing store.
source "$(dirname "$0")/lib.sh"

check_suite() {
  local fw=$1; shift
  local project; project=$(project_from "$fw")
  cd "$project"
  run_dt -n 3 --json report.json "$@"
  assert_rc 1   # every fixture suite has failing examples on purpose
  assert_fixture_summary report.json "$fw"
  [[ $(json_get report.json "len(r['runners'])") == 3 ]] || fail "$fw: wanted 3 runners"
  # Hostile names were run (and passed), and nothing was executed from them.
  local hostile
  hostile=$(json_get report.json "sorted(f['status'] for f in r['files'] if any(c in f['path'] for c in ' \'\$ü'))")
  [[ "$hostile" != "[]" ]] || fail "$fw: no hostile file names were run"
  [[ "$hostile" != *failed* && "$hostile" != *error* ]] || fail "$fw: hostile names failed: $hostile"
  [[ -z $(find "$WORK" "$SRC" -name pwned 2>/dev/null | head -1) ]] || fail "$fw: a file name was executed"
  [[ -f .distributest/timings ]] || fail "$fw: no timing store written"
  cd "$WORK"
  echo "ok: $fw"
}

check_suite rspec spec
check_suite minitest test
check_suite pytest tests
check_suite command --framework command --command 'sh {file}' 'scripts/*.sh'

# spec_helper and conftest load once per runner, not once per file.
project=$(project_from rspec)
cd "$project"
export FIXTURE_LOAD_LOG=$WORK/loads
rm -f "$FIXTURE_LOAD_LOG"
run_dt -n 2 spec
loads=$(wc -l <"$FIXTURE_LOAD_LOG")
[[ $loads == 2 ]] || fail "rspec: spec_helper loaded $loads times for 2 runners"
unset FIXTURE_LOAD_LOG

# The second run dispatches slowest first: the dry run lists history, longest first.
run_dt --dry-run spec
assert_rc 0
assert_out_contains "history"
first=$(grep -E '^ +[0-9.]+s +history' "$WORK/out" | head -1 | awk '{print $3}')
[[ "$first" == "spec/slow_spec.rb" ]] || { cat "$WORK/out"; fail "slowest file not first: $first"; }
echo "ok: load once per runner, slowest first"
