#!/usr/bin/env bash
# Bad input gets a clear error naming the file, line and key, exit 2, and runs nothing.
source "$(dirname "$0")/lib.sh"
project=$(project_from pytest)
cd "$project"
mkdir -p .distributest

printf 'runners = 2\nrunerrs = 3\n' > .distributest/config.toml
run_dt tests
assert_rc 2
assert_out_contains "$project/.distributest/config.toml:2: unknown key 'runerrs' (did you mean 'runners'?)"

printf 'timeout = [1\n' > .distributest/config.toml
run_dt tests
assert_rc 2
assert_out_contains "$project/.distributest/config.toml:1:"

printf 'timeout = "abc"\n' > .distributest/config.toml
run_dt tests
assert_rc 2
assert_out_contains "'timeout'"
rm .distributest/config.toml

run_dt -n 0 tests
assert_rc 2
assert_out_contains "--runners must be a positive integer, 'auto' or 'idle' (got '0')"

run_dt 'nothing/*_test.py'
assert_rc 2
assert_out_contains "no test files match 'nothing/*_test.py'"

run_dt /etc/passwd
assert_rc 2
assert_out_contains "outside the project"

run_dt --framework command tests
assert_rc 2
assert_out_contains "needs a command with {file}"

run_dt --bogus-flag
assert_rc 2

# Node config checked before connecting: a missing or loose identity file, a remote_root that
# is not a dedicated directory, duplicate nodes, a password.
cfg=$WORK/nodes.toml
printf '[[node]]\nhost = "h1"\nidentity = "%s/nokey"\n' "$WORK" > "$cfg"
run_dt -c "$cfg" tests
assert_rc 2
assert_out_contains "identity file $WORK/nokey does not exist"
touch "$WORK/key" && chmod 644 "$WORK/key"
printf '[[node]]\nhost = "h1"\nidentity = "%s/key"\n' "$WORK" > "$cfg"
run_dt -c "$cfg" tests
assert_rc 2
assert_out_contains "is readable by others (mode 644)"
chmod 600 "$WORK/key"
for root in / "~" /home; do
  printf '[[node]]\nhost = "h1"\nidentity = "%s/key"\nremote_root = "%s"\n' "$WORK" "$root" > "$cfg"
  run_dt -c "$cfg" tests
  assert_rc 2
  assert_out_contains "remote_root '$root'"
done
printf '[[node]]\nhost = "h1"\n[[node]]\nhost = "h1"\n' > "$cfg"
run_dt -c "$cfg" tests
assert_rc 2
assert_out_contains "duplicate node 'h1'"
printf '[[node]]\nhost = "h1"\npassword = "hunter2"\n' > "$cfg"
run_dt -c "$cfg" tests
assert_rc 2
assert_out_contains "passwords are not supported"

# `distributest config` shows each value with its origin.
printf 'runners = 3\n' > .distributest/config.toml
run_dt config
assert_rc 0
assert_out_contains "runners = 3"
assert_out_contains ".distributest/config.toml:1"
[[ ! -d .distributest/timings && ! -f .distributest/timings ]] || fail "a failed run wrote timings"
echo "ok: errors"
