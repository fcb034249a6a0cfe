#!/bin/sh
# shellcheck disable=SC2016 # the '$(touch pwned)' file names are meant literally
# Self-test of the framework adapters (templates/runners/) against runner protocol v1
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
# files end the runner.
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
