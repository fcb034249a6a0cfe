#!/bin/sh
# shellcheck disable=SC2016 # the '$(touch pwned)' file names are meant literally
# Self-test of the framework adapters (templates/runners/) against runner protocol v3
# (docs/protocol.md), on the real fixture suites in tests/fixtures/.
#
#   tests/adapters/test_adapters.sh [rspec|minitest|pytest|command|crash|slow]...
#
# With no arguments all but `slow` (examples/slow-suite, ~12 s) run.
#
# Each adapter runs with cwd = its fixture directory and gets the fixture's file list on
# stdin. Checked (by check_run.py): the handshake comes first and nothing but protocol lines
# follows on stdout; one record per path, in order; statuses; summed counts = EXPECTED (the
# serial run's); hostile file names ran and passed and no file named `pwned` appeared; the
# project helper (spec_helper, test_helper, conftest.py) loaded once per runner; one end
# marker per file on stderr, each before its record; exit 0 on EOF; broken and missing files
# get an error record and the runner goes on; tests cannot read the runner's stdin; crashing
# files end the runner. The Ruby adapters, on the *-session fixtures: one framework run per
# runner (before(:suite)/after(:suite), Minitest.after_run, Test::Unit.at_start/at_exit once,
# logged by the fixtures), the teardown after the empty line finishing before the runner
# exits, a teardown error failing the runner (stderr, exit status) and no file, no teardown on
# EOF, per-file counts as serial rspec's, and the process title naming the file in progress.
# Parts of a file (protocol v3), on the split-* fixtures, by check_split.py: cases carry ids;
# `only` parts plus the matching `except` part run every example once, their counts adding up
# to the file's; an unknown id runs nothing; a malformed part line gets an error record and
# the runner goes on; a group's set-up (before(:context), module and class fixtures, a class
# set-up) runs once per part that selects some of its examples; test-unit cases have no id.
# Needs ruby with rspec, minitest and test-unit, and a python with pytest.
set -u

here=$(cd "$(dirname -- "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runners=$root/templates/runners
fixtures=$root/tests/fixtures
py=/usr/bin/python3
[ -x "$py" ] || py=python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-adapters.XXXXXX") || exit 1
trap 'if [ "$failed" = 0 ]; then rm -rf "$tmp"; else echo "kept $tmp for inspection"; fi' EXIT
trap 'exit 130' INT TERM
failed=0
fail() {
  echo "FAIL $*"
  failed=1
}

pwned_before=$(find "$root" "$tmp" -name pwned 2>/dev/null)
if [ -n "$pwned_before" ]; then
  echo "note: a file named pwned exists before the test: $pwned_before (remove it)"
fi

# run NAME ADAPTER FIXTURE_DIR LIST [ADAPTER ARGS...]: runs the adapter twice on the list,
# once with separate stdout/stderr ($tmp/NAME.out/.err, rc in $tmp/NAME.rc) and once with
# both in one file ($tmp/NAME.both) for the marker-before-record order.
run() {
  name=$1 adapter=$2 dir=$3 list=$4
  shift 4
  rm -f "$tmp/$name.loads" "$tmp/$name.stdin"
  (cd "$dir" && FIXTURE_LOAD_LOG="$tmp/$name.loads" FIXTURE_STDIN_LOG="$tmp/$name.stdin" PYTHONDONTWRITEBYTECODE=1 \
    "$runners/$adapter" "$@" <"$list" >"$tmp/$name.out" 2>"$tmp/$name.err")
  echo $? >"$tmp/$name.rc"
  (cd "$dir" && PYTHONDONTWRITEBYTECODE=1 \
    "$runners/$adapter" "$@" <"$list" >"$tmp/$name.both" 2>&1)
}

# stdin_is_null NAME: the fixture's stdin test found /dev/null (a character device) on fd 0,
# not the runner's list of paths
stdin_is_null() {
  if ! grep -q . "$tmp/$1.stdin" 2>/dev/null; then
    fail "$1: the stdin fixture did not run"
  elif grep -qv ' characterSpecial$' "$tmp/$1.stdin"; then
    fail "$1: tests can read the runner's stdin: $(cat "$tmp/$1.stdin")"
  fi
}

# check NAME ADAPTER LIST [check_run.py options...]
check() {
  name=$1 adapter=$2 list=$3
  shift 3
  "$py" "$here/check_run.py" --name "$name" --adapter "$adapter" --paths "$list" \
    --stdout "$tmp/$name.out" --stderr "$tmp/$name.err" --rc "$(cat "$tmp/$name.rc")" "$@" ||
    { failed=1; echo "  stderr of the run: $tmp/$name.err (last lines below)"; tail -n 15 "$tmp/$name.err" | sed 's/^/    | /'; }
}

# list DIR GLOB...: the files matching, relative to DIR, one per line, sorted.
list() {
  dir=$1
  shift
  (cd "$dir" && for pattern in "$@"; do for f in $pattern; do [ -e "$f" ] && printf '%s\n' "$f"; done; done) | LC_ALL=C sort
}

want() { # want FRAMEWORK: true if this framework was asked for (all when no arguments)
  [ -z "$selected" ] && return 0
  case " $selected " in *" $1 "*) return 0 ;; esac
  return 1
}
selected=$*

# --- Ruby: one framework run per runner (helpers) -------------------------------------------
# run_ended NAME ADAPTER FIXTURE_DIR LIST [VAR=VALUE...]: one run on LIST followed by the empty
# line (the master's "no more work"), with the fixture's suite log in $tmp/NAME.log.
run_ended() {
  name=$1 adapter=$2 dir=$3 list=$4
  shift 4
  rm -f "$tmp/$name.log"
  { cat "$list"; echo; } >"$tmp/$name.sent"
  (cd "$dir" && env FIXTURE_SUITE_LOG="$tmp/$name.log" "$@" "$runners/$adapter" \
    <"$tmp/$name.sent" >"$tmp/$name.out" 2>"$tmp/$name.err")
  echo $? >"$tmp/$name.rc"
}

# logged NAME EVENT: how many times the suite log of run NAME has EVENT (any process)
logged() {
  grep -c "^$2 [0-9]*\$" "$tmp/$1.log" 2>/dev/null || true
}

# expect_logged NAME COUNT EVENT...: each EVENT is in the suite log COUNT times
expect_logged() {
  name=$1 count=$2
  shift 2
  for event in "$@"; do
    n=$(logged "$name" "$event")
    [ "$n" = "$count" ] || fail "$name: '$event' logged $n times, expected $count"
  done
}

# last_logged NAME EVENT...: the suite log ends with these events, in this order
last_logged() {
  name=$1
  shift
  want=$(printf '%s\n' "$@")
  got=$(sed 's/ [0-9]*$//' "$tmp/$name.log" 2>/dev/null | tail -n $#)
  [ "$got" = "$want" ] || fail "$name: the suite log ends with $(echo "$got" | paste -sd,), expected $(echo "$want" | paste -sd,)"
}

# after_last_marker FILE: what a runner wrote to stderr after its last file's end marker
after_last_marker() {
  awk -v m="$(printf '\036')distributest:end" 'index($0, m) { out = ""; next } { out = out $0 "\n" } END { printf "%s", out }' "$1"
}

# proc_title PID: the process's command line as ps shows it
proc_title() {
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline"
}

# await_title NAME PID TITLE: waits (10 s at most) until the process title starts with TITLE
await_title() {
  i=0
  while [ $i -lt 200 ]; do
    case $(proc_title "$2") in "$3"*) return 0 ;; esac
    sleep 0.05
    i=$((i + 1))
  done
  fail "$1: process title '$(proc_title "$2")', expected '$3'"
  return 1
}

# check_titles NAME ADAPTER FIXTURE_DIR FILE: the runner's process title while it waits for a
# path, runs FILE (held by the fixture while $tmp/NAME.file-hold exists) and tears down (held
# while $tmp/NAME.teardown-hold exists)
check_titles() {
  name=$1 adapter=$2 dir=$3 file=$4
  rm -f "$tmp/$name.fifo"
  mkfifo "$tmp/$name.fifo"
  : >"$tmp/$name.file-hold"
  : >"$tmp/$name.teardown-hold"
  (cd "$dir" && FIXTURE_FILE_HOLD="$tmp/$name.file-hold" FIXTURE_TEARDOWN_HOLD="$tmp/$name.teardown-hold" \
    exec "$runners/$adapter" <"$tmp/$name.fifo" >"$tmp/$name.out" 2>"$tmp/$name.err") &
  pid=$!
  exec 3>"$tmp/$name.fifo"
  await_title "$name" $pid "distributest $adapter: idle" &&
    printf '%s\n' "$file" >&3 &&
    await_title "$name" $pid "distributest $adapter: $file" &&
    rm -f "$tmp/$name.file-hold" &&
    await_title "$name" $pid "distributest $adapter: idle" &&
    echo >&3 &&
    await_title "$name" $pid "distributest $adapter: teardown"
  rm -f "$tmp/$name.file-hold" "$tmp/$name.teardown-hold"
  exec 3>&-
  wait $pid || fail "$name: runner exit status $?"
  grep -q '^@distributest result ' "$tmp/$name.out" || fail "$name: no record for $file"
}

# split NAME ADAPTER FIXTURE_DIR FILE [check_split.py options...]: the file in parts
split() {
  name=$1 adapter=$2 dir=$3 file=$4
  shift 4
  "$py" "$here/check_split.py" --name "$name" --adapter "$runners/$adapter" --adapter-name "$adapter" \
    --dir "$dir" --file "$file" --tmp "$tmp" "$@" || failed=1
}

# --- rspec ----------------------------------------------------------------------------------
if want rspec; then
  d=$fixtures/rspec
  list "$d" 'spec/*_spec.rb' >"$tmp/rspec.list"
  run rspec rspec "$d" "$tmp/rspec.list"
  check rspec rspec "$tmp/rspec.list" --expected "$d/EXPECTED" --load-log "$tmp/rspec.loads" \
    --combined "$tmp/rspec.both" --expect-path-key --status spec/failing_spec.rb=failed \
    --min-duration spec/slow_spec.rb=0.5
  for f in 'spec/with space_spec.rb' "spec/quote'dq\"_spec.rb" 'spec/$(touch pwned)_spec.rb' 'spec/ünïcode_spec.rb'; do
    grep -qxF "$f" "$tmp/rspec.list" || fail "rspec: hostile fixture $f missing"
  done
  stdin_is_null rspec
  grep -q 'to fd 1 via syswrite' "$tmp/rspec.err" || fail "rspec: output of a test that wrote to fd 1 is not on stderr"

  printf '%s\n' broken/syntax_error_spec.rb broken/load_error_spec.rb spec/passing_spec.rb \
    broken/after_all_error_spec.rb does/not/exist_spec.rb spec/passing_spec.rb >"$tmp/rspec-broken.list"
  run rspec-broken rspec "$d" "$tmp/rspec-broken.list"
  check rspec-broken rspec "$tmp/rspec-broken.list" --combined "$tmp/rspec-broken.both" \
    --status broken/syntax_error_spec.rb=error --status broken/load_error_spec.rb=error \
    --status broken/after_all_error_spec.rb=error --status does/not/exist_spec.rb=error

  # One RSpec suite per runner: every kind of suite hook once, around all of its files (serial
  # rspec: once per process), and each file's counts as serial rspec's.
  d=$fixtures/rspec-session
  list "$d" 'spec/*_spec.rb' >"$tmp/rspec-session.list"
  run_ended rspec-session rspec "$d" "$tmp/rspec-session.list" FIXTURE_AFTER_SUITE_FILE="$tmp/rspec-session.written"
  check rspec-session rspec "$tmp/rspec-session.list" --expected "$d/EXPECTED" --expect-path-key \
    --status spec/e_spec.rb=failed
  expect_logged rspec-session 1 prepend_before_suite before_suite append_before_suite db_defined \
    db_before_suite after_suite at_exit
  last_logged rspec-session 'example f' after_suite at_exit
  # the hook when_first_matching_example_defined added ran before the examples that wanted it
  sed 's/ [0-9]*$//' "$tmp/rspec-session.log" | grep -A1 -x db_before_suite | grep -qx 'example b' ||
    fail "rspec-session: db_before_suite did not run right before b_spec.rb's example: $(cat "$tmp/rspec-session.log")"
  grep -qx 'written by after(:suite)' "$tmp/rspec-session.written" 2>/dev/null ||
    fail "rspec-session: the after(:suite) hook's file is missing when the runner has exited"
  (cd "$d" && rspec --format json --out "$tmp/rspec-session.serial.json" >/dev/null 2>&1)
  "$py" - "$tmp/rspec-session.serial.json" "$tmp/rspec-session.out" <<'EOF' || fail "rspec-session: per-file counts differ from serial rspec's"
import collections, json, sys
serial = collections.defaultdict(lambda: {"examples": 0, "failures": 0, "pending": 0})
for e in json.load(open(sys.argv[1]))["examples"]:
    c = serial[e["file_path"].removeprefix("./")]
    c["examples"] += 1
    c["failures"] += e["status"] == "failed"
    c["pending"] += e["status"] == "pending"
recs = [json.loads(l.split(" ", 2)[2]) for l in open(sys.argv[2]) if l.startswith("@distributest result ")]
got = {r["path"]: {k: r[k] for k in ("examples", "failures", "pending")} for r in recs}
if got != dict(serial):
    print(f"  serial {dict(serial)}\n  runner {got}")
    sys.exit(1)
EOF

  # Two runners, three files each: two suites.
  head -n 3 "$tmp/rspec-session.list" >"$tmp/rspec-session-1.list"
  tail -n +4 "$tmp/rspec-session.list" | head -n 3 >"$tmp/rspec-session-2.list"
  rm -f "$tmp/rspec-session-2r.log"
  run_ended rspec-session-1 rspec "$d" "$tmp/rspec-session-1.list" FIXTURE_SUITE_LOG="$tmp/rspec-session-2r.log" &
  run_ended rspec-session-2 rspec "$d" "$tmp/rspec-session-2.list" FIXTURE_SUITE_LOG="$tmp/rspec-session-2r.log"
  wait
  expect_logged rspec-session-2r 2 before_suite after_suite
  pids=$(sed -n 's/^before_suite //p' "$tmp/rspec-session-2r.log" | sort -u | wc -l)
  [ "$pids" = 2 ] || fail "rspec-session-2r: before(:suite) ran in $pids processes, expected 2"

  # An after(:suite) that raises: the runner's teardown fails (stderr, exit status), not a
  # file; the other after(:suite) hooks and at_exit still run.
  run_ended rspec-after-raises rspec "$d" "$tmp/rspec-session.list" FIXTURE_AFTER_SUITE_RAISES=1 \
    FIXTURE_AFTER_SUITE_FILE="$tmp/rspec-after-raises.written"
  check rspec-after-raises rspec "$tmp/rspec-session.list" --answered "$(wc -l <"$tmp/rspec-session.list")" \
    --status spec/e_spec.rb=failed
  after_last_marker "$tmp/rspec-after-raises.err" | grep -q 'after(:suite) failed on purpose' ||
    fail "rspec-after-raises: the after(:suite) error is not on stderr after the last file"
  expect_logged rspec-after-raises 1 after_suite at_exit
  [ -f "$tmp/rspec-after-raises.written" ] || fail "rspec-after-raises: the other after(:suite) hook did not finish"

  # An at_exit hook that raises (Ruby would still exit 0): the teardown failed.
  run_ended rspec-at-exit-raises rspec "$d" "$tmp/rspec-session-1.list" FIXTURE_AT_EXIT_RAISES=1
  check rspec-at-exit-raises rspec "$tmp/rspec-session-1.list" --answered 3
  grep -q 'at_exit failed on purpose' "$tmp/rspec-at-exit-raises.err" ||
    fail "rspec-at-exit-raises: the at_exit error is not on stderr"

  # A before(:suite) that raises: once; no file runs (each gets the error), as serial rspec
  # runs no example; after(:suite) still runs.
  run_ended rspec-before-raises rspec "$d" "$tmp/rspec-session-1.list" FIXTURE_BEFORE_SUITE_RAISES=1
  check rspec-before-raises rspec "$tmp/rspec-session-1.list" --default-status error
  grep -q 'before(:suite) failed on purpose' "$tmp/rspec-before-raises.out" ||
    fail "rspec-before-raises: the records do not say that before(:suite) failed"
  expect_logged rspec-before-raises 1 append_before_suite after_suite
  expect_logged rspec-before-raises 0 db_before_suite

  # EOF instead of the empty line: the master is gone or ending the runner: no teardown.
  rm -f "$tmp/rspec-eof.log"
  (cd "$d" && FIXTURE_SUITE_LOG="$tmp/rspec-eof.log" "$runners/rspec" <"$tmp/rspec-session-1.list" \
    >"$tmp/rspec-eof.out" 2>"$tmp/rspec-eof.err")
  echo $? >"$tmp/rspec-eof.rc"
  check rspec-eof rspec "$tmp/rspec-session-1.list"
  expect_logged rspec-eof 0 after_suite at_exit

  check_titles rspec-titles rspec "$d" spec/wait_spec.rb
  [ "$failed" = 0 ] && echo "ok   rspec-session: suite hooks once per runner, teardown errors, EOF, process titles"

  # Parts: the file loads once per part (the unknown-id part too); a group's before(:context)
  # runs only in the parts that select some of its examples (Big: parts 1 and except; Inner:
  # 1 and except; Lonely: except; Second: part 2); before(:suite) once per runner.
  d=$fixtures/split-rspec
  f='./spec/big split_spec.rb'
  split split-rspec rspec "$d" 'spec/big split_spec.rb' --expected "$d/EXPECTED" \
    --part "[\"${f}[1:1]\", \"${f}[1:4:1]\"]" --part "[\"${f}[2:1]\"]" \
    --log file_loaded=4 --log before_suite=1 --log 'before_context Big=2' \
    --log 'before_context Inner=2' --log 'before_context Lonely=1' --log 'before_context Second=1'
fi

# --- minitest (and test-unit) ---------------------------------------------------------------
if want minitest; then
  d=$fixtures/minitest
  list "$d" 'test/*_test.rb' >"$tmp/minitest.list"
  run minitest minitest "$d" "$tmp/minitest.list"
  check minitest minitest "$tmp/minitest.list" --expected "$d/EXPECTED" --load-log "$tmp/minitest.loads" \
    --combined "$tmp/minitest.both" --expect-path-key --status test/fail_test.rb=failed \
    --status test/error_test.rb=failed --status test/unit_style_test.rb=failed
  stdin_is_null minitest
  grep -q '^4 tests, 2 assertions, 1 failures' "$tmp/minitest.err" || fail "minitest: test-unit file did not run through test-unit"

  printf '%s\n' broken/load_error_test.rb test/pass_test.rb broken/syntax_error_test.rb \
    nope_test.rb test/pass_test.rb >"$tmp/minitest-broken.list"
  run minitest-broken minitest "$d" "$tmp/minitest-broken.list"
  check minitest-broken minitest "$tmp/minitest-broken.list" --combined "$tmp/minitest-broken.both" \
    --status broken/load_error_test.rb=error --status broken/syntax_error_test.rb=error --status nope_test.rb=error
  # the second test/pass_test.rb must rerun its 3 tests, not report 0
  "$py" - "$tmp/minitest-broken.out" <<'EOF' || fail "minitest: a file sent twice did not run twice"
import json, sys
recs = [json.loads(l.split(" ", 2)[2]) for l in open(sys.argv[1]) if l.startswith("@distributest result ")]
sys.exit(0 if [r["examples"] for r in recs if r.get("path") == "test/pass_test.rb"] == [3, 3] else 1)
EOF

  # One minitest/test-unit run per runner: Minitest.after_run blocks and Test::Unit.at_start /
  # at_exit hooks once, around all of its files (serial: once per process); class-level
  # startup/shutdown once per class, as in a serial run.
  d=$fixtures/minitest-session
  printf '%s\n' test/mt_a_test.rb test/tu_a_test.rb test/mt_b_test.rb test/tu_b_test.rb test/mt_c_test.rb \
    test/wait_test.rb >"$tmp/minitest-session.list"
  run_ended minitest-session minitest "$d" "$tmp/minitest-session.list" FIXTURE_AFTER_RUN_FILE="$tmp/minitest-session.written"
  check minitest-session minitest "$tmp/minitest-session.list" --expected "$d/EXPECTED" --expect-path-key \
    --status test/tu_b_test.rb=failed --status test/mt_c_test.rb=failed
  expect_logged minitest-session 1 after_run test_unit_at_start test_unit_at_exit at_exit \
    'startup TuATest' 'shutdown TuATest' 'startup TuBTest' 'shutdown TuBTest'
  last_logged minitest-session 'test mt_c' test_unit_at_exit after_run at_exit
  grep -qx 'written by Minitest.after_run' "$tmp/minitest-session.written" 2>/dev/null ||
    fail "minitest-session: the after_run block's file is missing when the runner has exited"

  # A Minitest.after_run block that raises: the runner's teardown fails (stderr, exit status);
  # the other block and at_exit still run.
  run_ended minitest-after-raises minitest "$d" "$tmp/minitest-session.list" FIXTURE_AFTER_RUN_RAISES=1 \
    FIXTURE_AFTER_RUN_FILE="$tmp/minitest-after-raises.written"
  check minitest-after-raises minitest "$tmp/minitest-session.list" --answered "$(wc -l <"$tmp/minitest-session.list")" \
    --status test/tu_b_test.rb=failed --status test/mt_c_test.rb=failed
  after_last_marker "$tmp/minitest-after-raises.err" | grep -q 'Minitest.after_run failed on purpose' ||
    fail "minitest-after-raises: the after_run error is not on stderr after the last file"
  expect_logged minitest-after-raises 1 after_run test_unit_at_exit at_exit
  [ -f "$tmp/minitest-after-raises.written" ] || fail "minitest-after-raises: the other after_run block did not finish"

  # EOF instead of the empty line: no teardown.
  rm -f "$tmp/minitest-eof.log"
  (cd "$d" && FIXTURE_SUITE_LOG="$tmp/minitest-eof.log" "$runners/minitest" <"$tmp/minitest-session.list" \
    >"$tmp/minitest-eof.out" 2>"$tmp/minitest-eof.err")
  echo $? >"$tmp/minitest-eof.rc"
  check minitest-eof minitest "$tmp/minitest-session.list" \
    --status test/tu_b_test.rb=failed --status test/mt_c_test.rb=failed
  expect_logged minitest-eof 0 after_run test_unit_at_exit at_exit

  check_titles minitest-titles minitest "$d" test/wait_test.rb
  [ "$failed" = 0 ] && echo "ok   minitest-session: after_run and test-unit hooks once per runner, teardown errors, EOF, process titles"

  # Parts: ids are Class#test_name, selected exactly (LonelyTest#test_l is a prefix of
  # LonelyTest#test_l1; a name with spaces, quotes, $(...), brackets and non-ASCII text); a
  # class's set-up (as minitest-hooks' before(:all)) runs only in the parts with its tests.
  # test-unit tests have no id: they run in the except part, none in an only part.
  d=$fixtures/split-minitest
  split split-minitest minitest "$d" test/big_test.rb --expected "$d/EXPECTED" \
    --part '["BigTest#test_a1", "LonelyTest#test_l"]' \
    --part '["BigTest#test_with space '"'"'q\"uote'"'"' $(touch pwned) ünï [x]"]' \
    --log file_loaded=4 --log 'class_setup BigTest=3' --log 'class_setup LonelyTest=2'
  split split-test-unit minitest "$d" test/tu_test.rb --no-ids --counts 'examples=2 failures=0 pending=0' \
    --part '["TuTest#test_tu1"]'
fi

# --- pytest ---------------------------------------------------------------------------------
if want pytest; then
  d=$fixtures/pytest
  list "$d" 'tests/test_*.py' >"$tmp/pytest.list"
  run pytest pytest "$d" "$tmp/pytest.list"
  check pytest pytest "$tmp/pytest.list" --expected "$d/EXPECTED" --load-log "$tmp/pytest.loads" \
    --combined "$tmp/pytest.both" --expect-path-key --status tests/test_fail.py=failed \
    --status tests/test_setup_error.py=failed --min-duration tests/test_output.py=0.5
  for f in 'tests/test_with space.py' "tests/test_q'uote.py" 'tests/test_$(touch pwned).py' 'tests/test_ünïcode.py'; do
    grep -qxF "$f" "$tmp/pytest.list" || fail "pytest: hostile fixture $f missing"
  done
  stdin_is_null pytest
  grep -q 'to fd 1 with capture disabled' "$tmp/pytest.err" || fail "pytest: output of a test that wrote to fd 1 is not on stderr"

  printf '%s\n' broken/test_import_error.py tests/test_pass.py broken/test_syntax_error.py \
    no_such_test.py broken/test_teardown_error.py tests/test_pass.py >"$tmp/pytest-broken.list"
  run pytest-broken pytest "$d" "$tmp/pytest-broken.list"
  check pytest-broken pytest "$tmp/pytest-broken.list" --combined "$tmp/pytest-broken.both" \
    --status broken/test_import_error.py=error --status broken/test_syntax_error.py=error \
    --status no_such_test.py=error --status broken/test_teardown_error.py=failed

  # -x stops the file, not the runner: test_fail.py stops at its first failure (1 example),
  # the files after it still run in full, test_fail.py again too.
  printf '%s\n' tests/test_fail.py tests/test_pass.py tests/test_fail.py >"$tmp/pytest-x.list"
  (cd "$d" && PYTHONDONTWRITEBYTECODE=1 "$runners/pytest" -x <"$tmp/pytest-x.list" \
    >"$tmp/pytest-x.out" 2>"$tmp/pytest-x.err")
  echo $? >"$tmp/pytest-x.rc"
  check pytest-x pytest "$tmp/pytest-x.list" --status tests/test_fail.py=failed
  "$py" - "$tmp/pytest-x.out" <<'EOF' || fail "pytest -x: not per file (examples per record, want [1, 3, 1])"
import json, sys
recs = [json.loads(l.split(" ", 2)[2]) for l in open(sys.argv[1]) if l.startswith("@distributest result ")]
sys.exit(0 if [r["examples"] for r in recs] == [1, 3, 1] else 1)
EOF

  # Collecting a file is pytest's collection: warning filters apply while it imports (-W
  # error makes the import-time warning a collection error, as serially), and a file given
  # explicitly has its asserts rewritten even when not named test_*.py.
  printf '%s\n' broken/test_import_warning.py broken/check_explicit_file.py >"$tmp/pytest-collect.list"
  (cd "$d" && PYTHONDONTWRITEBYTECODE=1 "$runners/pytest" -W "error:warned at import on purpose" \
    <"$tmp/pytest-collect.list" >"$tmp/pytest-collect.out" 2>"$tmp/pytest-collect.err")
  echo $? >"$tmp/pytest-collect.rc"
  check pytest-collect pytest "$tmp/pytest-collect.list" --status broken/test_import_warning.py=error \
    --status broken/check_explicit_file.py=failed
  "$py" - "$tmp/pytest-collect.out" <<'EOF' || fail "pytest: collection lost the warning filter or assertion rewriting"
import json, sys
recs = [json.loads(l.split(" ", 2)[2]) for l in open(sys.argv[1]) if l.startswith("@distributest result ")]
ok = ("UserWarning: warned at import on purpose" in recs[0].get("message", "")
      and recs[1]["cases"][0].get("message") == "assert 1 == 2")
sys.exit(0 if ok else 1)
EOF

  # A file name that is not UTF-8 (made here: git would not keep it portably) runs and passes;
  # the process title shows it (replacement characters) without ending the runner. Without
  # the cache plugin: it cannot store such a node id at the session's end (serial pytest
  # fails there too), which the runner would rightly report as its teardown failing.
  mkdir -p "$tmp/latin1/tests"
  printf '[pytest]\ntestpaths = tests\n' >"$tmp/latin1/pytest.ini"
  printf 'def test_runs():\n    pass\n' >"$tmp/latin1/$(printf 'tests/test_caf\351.py')"
  printf 'tests/test_caf\351.py\n\n' >"$tmp/latin1.in"
  (cd "$tmp/latin1" && PYTHONDONTWRITEBYTECODE=1 "$runners/pytest" -p no:cacheprovider <"$tmp/latin1.in" >"$tmp/latin1.out" 2>"$tmp/latin1.err")
  rc=$?
  if [ "$rc" = 0 ] && [ "$(grep -c '^@distributest result .*"status":"passed"' "$tmp/latin1.out")" = 1 ]; then
    echo "ok   pytest-latin1: a non-UTF-8 file name passed"
  else
    fail "pytest: a non-UTF-8 file name: exit $rc, records: $(grep -c '^@distributest result' "$tmp/latin1.out")"
  fi

  # One pytest session per runner (tests/fixtures/pytest-session logs its hooks and
  # fixtures): check_pytest_session.py says what must hold. The list ends with the empty
  # line (no more work), so the runner tears the session down and exits 0.
  d=$fixtures/pytest-session
  printf '%s\n' tests/test_s1.py tests/pkg_a/test_a1.py tests/pkg_a/test_a2.py \
    tests/test_module_teardown_error.py tests/pkg_b/test_b1.py tests/test_s2.py tests/test_s3.py \
    tests/test_proctitle.py >"$tmp/pytest-session.list"
  (cat "$tmp/pytest-session.list"; echo) >"$tmp/pytest-session.in"
  rm -f "$tmp/session.log" "$tmp/title.log"
  (cd "$d" && FIXTURE_SESSION_LOG="$tmp/session.log" FIXTURE_TITLE_LOG="$tmp/title.log" PYTHONDONTWRITEBYTECODE=1 \
    "$runners/pytest" <"$tmp/pytest-session.in" >"$tmp/pytest-session.out" 2>"$tmp/pytest-session.err")
  echo $? >"$tmp/pytest-session.rc"
  check pytest-session pytest "$tmp/pytest-session.list" --expected "$d/EXPECTED" --expect-path-key \
    --status tests/test_module_teardown_error.py=failed
  "$py" "$here/check_pytest_session.py" --name pytest-session-log --log "$tmp/session.log" \
    --paths "$tmp/pytest-session.list" || failed=1
  if "$py" -c 'import setproctitle' 2>/dev/null; then
    if ! grep -qF 'distributest pytest runner' "$tmp/title.log" || ! grep -qF ': tests/test_proctitle.py' "$tmp/title.log"; then
      fail "pytest: the process title does not name the running file: $(cat "$tmp/title.log" 2>/dev/null)"
    fi
  else
    echo "note: $py has no setproctitle (python3-setproctitle): process title not checked"
  fi

  # A session fixture whose teardown raises: every file passes; after the empty line the
  # runner prints the error and exits non-zero (the master reports the runner's teardown).
  printf '%s\n' tests/test_s1.py tests/test_s2.py >"$tmp/pytest-teardown.list"
  (cat "$tmp/pytest-teardown.list"; echo) >"$tmp/pytest-teardown.in"
  (cd "$d" && FIXTURE_SESSION_TEARDOWN_FAIL=1 PYTHONDONTWRITEBYTECODE=1 \
    "$runners/pytest" <"$tmp/pytest-teardown.in" >"$tmp/pytest-teardown.out" 2>"$tmp/pytest-teardown.err")
  echo $? >"$tmp/pytest-teardown.rc"
  check pytest-teardown pytest "$tmp/pytest-teardown.list" --answered 2
  "$py" - "$tmp/pytest-teardown.err" <<'EOF' || fail "pytest: the session teardown error is not in the runner's output after the last file"
import sys
after_last_file = open(sys.argv[1], "rb").read().rsplit(b"\x1edistributest:end\n", 1)[-1]
sys.exit(0 if b"the session fixture's teardown fails on purpose" in after_last_file else 1)
EOF

  # Plugins see one session per runner, as in an xdist worker. pytest-cov: the data written
  # after the empty line covers both files (not only the last one's); pytest-django: the test
  # database is set up once for three files.
  if "$py" -c 'import pytest_cov' 2>/dev/null; then
    printf '%s\n' tests/test_a.py tests/test_b.py '' >"$tmp/pytest-cov.in"
    (cd "$fixtures/pytest-cov" && COVERAGE_FILE="$tmp/cov.data" PYTHONDONTWRITEBYTECODE=1 \
      "$runners/pytest" --cov=covered --cov-report= <"$tmp/pytest-cov.in" >"$tmp/pytest-cov.out" 2>"$tmp/pytest-cov.err")
    echo $? >"$tmp/pytest-cov.rc"
    printf '%s\n' tests/test_a.py tests/test_b.py >"$tmp/pytest-cov.list"
    check pytest-cov pytest "$tmp/pytest-cov.list"
    "$py" - "$tmp/cov.data" "$fixtures/pytest-cov/covered" <<'EOF' || fail "pytest-cov: the runner's coverage data does not cover both files it ran"
import os, sys
import coverage
data = coverage.CoverageData(basename=sys.argv[1])
data.read()
lines = {name: sorted(data.lines(os.path.join(sys.argv[2], name)) or []) for name in ("a.py", "b.py")}
print(f"     coverage data: {lines}")
sys.exit(0 if lines == {"a.py": [1, 2, 3], "b.py": [1, 2, 4]} else 1)
EOF
  else
    echo "note: $py has no pytest_cov (python3-pytest-cov): pytest-cov not checked"
  fi
  if "$py" -c 'import pytest_django' 2>/dev/null; then
    printf '%s\n' tests/test_users1.py tests/test_users2.py tests/test_users3.py >"$tmp/pytest-django.list"
    (cat "$tmp/pytest-django.list"; echo) >"$tmp/pytest-django.in"
    rm -f "$tmp/db.log"
    (cd "$fixtures/pytest-django" && FIXTURE_DB_LOG="$tmp/db.log" PYTHONDONTWRITEBYTECODE=1 \
      "$runners/pytest" <"$tmp/pytest-django.in" >"$tmp/pytest-django.out" 2>"$tmp/pytest-django.err")
    echo $? >"$tmp/pytest-django.rc"
    check pytest-django pytest "$tmp/pytest-django.list"
    [ "$(grep -c '^db setup' "$tmp/db.log" 2>/dev/null)" = 1 ] ||
      fail "pytest-django: the test database was set up $(grep -c '^db setup' "$tmp/db.log" 2>/dev/null) times for 3 files, want once per runner"
  else
    echo "note: $py has no pytest_django (python3-pytest-django): pytest-django not checked"
  fi

  # A package fixture ends when a file outside the package comes: its teardown error is in
  # that next file's record, as an error of the package's last test (serial pytest reports it
  # on that test too); the package's own files passed.
  printf '%s\n' tests/pkg_a/test_a1.py tests/pkg_a/test_a2.py tests/test_s1.py >"$tmp/pytest-pkg.list"
  (cat "$tmp/pytest-pkg.list"; echo) >"$tmp/pytest-pkg.in"
  (cd "$d" && FIXTURE_PACKAGE_TEARDOWN_FAIL=1 PYTHONDONTWRITEBYTECODE=1 \
    "$runners/pytest" <"$tmp/pytest-pkg.in" >"$tmp/pytest-pkg.out" 2>"$tmp/pytest-pkg.err")
  echo $? >"$tmp/pytest-pkg.rc"
  check pytest-pkg pytest "$tmp/pytest-pkg.list" --status tests/test_s1.py=failed
  "$py" - "$tmp/pytest-pkg.out" <<'EOF' || fail "pytest: the package teardown error is not an error of test_in_a2 in the next file's record"
import json, sys
recs = [json.loads(l.split(" ", 2)[2]) for l in open(sys.argv[1]) if l.startswith("@distributest result ")]
errors = [c for c in recs[2]["cases"] if c["status"] == "error"]
sys.exit(0 if [c["name"] for c in errors] == ["tests/pkg_a/test_a2.py::test_in_a2"]
         and "fails in its teardown on purpose" in errors[0].get("message", "") else 1)
EOF

  # A failing pytest_sessionstart or conftest import: the runner fails before its hello line.
  for var in FIXTURE_SESSIONSTART_FAIL FIXTURE_CONFTEST_FAIL; do
    (cd "$d" && env "$var=1" PYTHONDONTWRITEBYTECODE=1 "$runners/pytest" <"$tmp/pytest-teardown.in" \
      >"$tmp/pytest-start.out" 2>"$tmp/pytest-start.err")
    rc=$?
    if [ "$rc" = 0 ] || [ -s "$tmp/pytest-start.out" ] || ! grep -q "on purpose ($var)" "$tmp/pytest-start.err"; then
      fail "pytest $var: want exit != 0, nothing on stdout, the error on stderr; got rc $rc, stdout: $(head -c 300 "$tmp/pytest-start.out")"
    else
      echo "ok   pytest-start $var: exit $rc before the hello line, with the error on stderr"
    fi
  done

  # Parts: ids are node ids (parametrized ones with spaces, quotes, $(...), brackets and
  # escaped non-ASCII text); the module fixture is set up once per part with items, a class
  # fixture only in the parts with its class's tests (TestAlpha: part 1 and except,
  # TestLonely: except), none for the unknown-id part.
  d=$fixtures/split-pytest
  f=tests/test_big.py
  split split-pytest pytest "$d" $f --expected "$d/EXPECTED" \
    --part "[\"$f::TestAlpha::test_a1\", \"$f::test_param[a b]\", \"$f::test_param[\$(touch pwned)]\"]" \
    --part "[\"$f::test_param[q'uote\\\"d]\", \"$f::test_param[\\\\xfcn\\\\xef]\", \"$f::test_param[[x]]\", \"$f::test_plain\"]" \
    --log module_setup=3 --log module_teardown=3 --log 'class_setup TestAlpha=2' --log 'class_setup TestLonely=1'
fi

# --- command --------------------------------------------------------------------------------
if want command; then
  d=$fixtures/command
  list "$d" 'scripts/*.sh' >"$tmp/command.list"
  printf 'does not exist.sh\n' >>"$tmp/command.list"
  run command command "$d" "$tmp/command.list" 'sh {file}'
  check command command "$tmp/command.list" --expected "$d/EXPECTED" --combined "$tmp/command.both" \
    --status scripts/fail.sh=failed --status 'does not exist.sh=error'
  stdin_is_null command
  grep -q 'exit status 3' "$tmp/command.out" || fail "command: failure record lacks 'exit status 3'"
  if command -v dash >/dev/null 2>&1; then
    (cd "$d" && dash "$runners/command" 'sh {file}' <"$tmp/command.list" >"$tmp/command-dash.out" 2>"$tmp/command-dash.err")
    echo $? >"$tmp/command-dash.rc"
    check command-dash command "$tmp/command.list" --expected "$d/EXPECTED" \
      --status scripts/fail.sh=failed --status 'does not exist.sh=error'
  fi
  # {file} twice, inside a longer command, and a last line without a newline
  printf 'scripts/$(touch pwned).sh\nscripts/back\\slash.sh' >"$tmp/command-template.list"
  (cd "$d" && "$runners/command" 'test -f {file} && sh {file} && echo checked {file}' \
    <"$tmp/command-template.list" >"$tmp/command-template.out" 2>"$tmp/command-template.err")
  echo $? >"$tmp/command-template.rc"
  check command-template command "$tmp/command-template.list"
  grep -qxF 'checked scripts/$(touch pwned).sh' "$tmp/command-template.err" || fail "command: {file} was not substituted verbatim"
fi

# --- crash: files that end the runner -------------------------------------------------------
if want crash; then
  d=$fixtures/crash
  for case_ in "rspec spec/ok_spec.rb spec/exit_bang_spec.rb" "rspec spec/ok_spec.rb spec/segfault_spec.rb" \
               "pytest tests/test_ok.py tests/test_os_exit.py"; do
    # shellcheck disable=SC2086 # split on purpose: "adapter ok crash"
    set -- $case_
    adapter=$1 ok=$2 crash=$3
    name=crash-$adapter-$(basename "$crash" | sed 's/[^a-z0-9]/_/g')
    printf '%s\n' "$ok" "$crash" "$ok" >"$tmp/$name.list"
    # the extra subshell keeps the shell's "Aborted"/"Segmentation fault" notice quiet
    ( (cd "$d" && "$runners/$adapter" <"$tmp/$name.list" >"$tmp/$name.out" 2>"$tmp/$name.err")
      echo $? >"$tmp/$name.rc" ) 2>/dev/null
    check "$name" "$adapter" "$tmp/$name.list" --answered 1
  done
fi

# --- the demo suite (only when asked for: takes ~12 s) -----------------------------------------
case " $selected " in
  *" slow "*)
    d=$root/examples/slow-suite
    list "$d" 'tests/test_*.py' >"$tmp/slow.list"
    (cd "$d" && PYTHONDONTWRITEBYTECODE=1 "$runners/pytest" <"$tmp/slow.list" >"$tmp/slow.out" 2>"$tmp/slow.err")
    echo $? >"$tmp/slow.rc"
    check slow pytest "$tmp/slow.list" --expected "$d/EXPECTED" --expect-path-key \
      --min-duration tests/test_checkout.py=2.0
    ;;
esac

# --- nothing executed a file name -----------------------------------------------------------
pwned_after=$(find "$root" "$tmp" -name pwned 2>/dev/null)
if [ -n "$pwned_after" ] && [ "$pwned_after" != "$pwned_before" ]; then
  fail "a file name was executed as code: $pwned_after"
else
  echo "ok   no file named pwned was created"
fi

if [ "$failed" -ne 0 ]; then
  echo "adapter self-test FAILED"
  exit 1
fi
echo "adapter self-test passed"
