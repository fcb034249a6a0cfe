#!/usr/bin/env bash
# Everyday use: --only-failures reruns just what did not pass last time; --stream shows every
# runner's output live, each line prefixed with its runner.
source "$(dirname "$0")/lib.sh"
project=$(project_from rspec)
cd "$project"

run_dt -n 2 spec
assert_rc 1
run_dt -n 2 --only-failures --json report.json
assert_rc 1
[[ $(json_get report.json "[f['path'] for f in r['files']]") == "['spec/failing_spec.rb']" ]] ||
  fail "--only-failures ran $(json_get report.json "[f['path'] for f in r['files']]")"
echo "ok: --only-failures reran only spec/failing_spec.rb"

# The state files are replaced whole: a symlink at last-failures is replaced, not written
# through, and a new timing store gets the mode the umask gives, as any new file would.
echo 'not yours' > "$WORK/elsewhere"
ln -sfn "$WORK/elsewhere" .distributest/last-failures
rm -f .distributest/timings
(umask 027 && "$DT" -n 2 spec >"$WORK/out" 2>&1) || true
[[ $(cat "$WORK/elsewhere") == 'not yours' ]] || fail "last-failures was written through a symlink"
[[ ! -L .distributest/last-failures && $(cat .distributest/last-failures) == spec/failing_spec.rb ]] ||
  fail "last-failures: $(ls -l .distributest/last-failures; cat .distributest/last-failures)"
[[ $(stat -c %a .distributest/timings) == 640 ]] ||
  fail "a new timing store under umask 027 is mode $(stat -c %a .distributest/timings), not 640"
! ls -a .distributest | grep -q '\.tmp-' || fail "temporary files left: $(ls -a .distributest)"
echo "ok: last-failures replaces a symlink instead of following it; the timing store honours the umask"

run_dt -n 2 --only-failures spec/passing_spec.rb
assert_rc 2
assert_out_contains "--only-failures takes no file arguments"

run_dt -n 2 spec/passing_spec.rb
assert_rc 0
run_dt -n 2 --only-failures
assert_rc 0
assert_out_contains "no failures recorded in the last run"
echo "ok: nothing failed last time: nothing to rerun, exit 0"

run_dt -n 2 --stream spec/output_spec.rb spec/passing_spec.rb
assert_rc 0
grep -qE '^\[[a-z0-9_]+_local_[12]\] ' "$WORK/out" || { cat "$WORK/out"; fail "--stream printed no prefixed output"; }
echo "ok: --stream prefixes each output line with its runner"
