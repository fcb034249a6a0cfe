#!/usr/bin/env bash
# examples/rails-app, the original tool's headline use: a Rails app whose runners each create
# and load a database of their own in runner_setup (named by TEST_ENV_NUMBER in database.yml).
#  1. serially (the app's own bin/setup-test-db + rspec): the counts in its EXPECTED;
#  2. here with 2 runners, no options: the same counts, one database file per runner, and every
#     runner's database_spec (its database is the one its TEST_ENV_NUMBER names) passing;
#  3. on 2 test-cluster nodes x 2 runners: the same counts, files run on both nodes, and each
#     node's copy holding the databases of its own runners.
source "$(dirname "$0")/lib.sh"
ruby -e 'require "rails"; require "active_record"; require "sqlite3"; Gem::Specification.find_by_name("rspec-rails")' 2>/dev/null ||
  { echo "SKIP: needs ruby-railties, ruby-activerecord, ruby-rspec-rails, ruby-sqlite3"; exit 77; }
app=$WORK/rails-app
cp -a "$SRC/examples/rails-app" "$app"
rm -f "$app"/db/*.sqlite3
want() { grep -v '^#' "$app/EXPECTED" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# 1. serial, as EXPECTED says
(cd "$app" && TEST_ENV_NUMBER=serial bin/setup-test-db serial >/dev/null &&
  TEST_ENV_NUMBER=serial rspec >"$WORK/serial.out" 2>&1) || { cat "$WORK/serial.out" >&2; fail "serial rspec failed"; }
grep -q "^$(want examples) examples, $(want failures) failures" "$WORK/serial.out" ||
  fail "serial run: $(tail -n 1 "$WORK/serial.out"), EXPECTED says $(want examples) examples"
rm -f "$app"/db/*.sqlite3

# 2. here, 2 runners
cd "$app"
run_dt -n 2 --json "$WORK/local.json"
assert_rc 0
assert_summary "$WORK/local.json" "$(want examples)" "$(want failures)" "$(want pending)" "local run"
[[ -f db/test.sqlite3 && -f db/test2.sqlite3 ]] || fail "runner_setup did not create one database per runner: $(ls db)"
[[ $(json_get "$WORK/local.json" "len(r['files'])") == 5 ]] || fail "local run: not 5 file rows"

# 3. 2 test-cluster nodes x 2 runners
if ! cluster_available; then
  echo "ok: rails-app serial and with 2 local runners (no test cluster here: not root or no namespaces)"
  exit 0
fi
cluster_up 2 rails
rm -f db/*.sqlite3 .distributest/timings*
run_cluster -n 2 --json "$WORK/nodes.json"
assert_rc 0
assert_summary "$WORK/nodes.json" "$(want examples)" "$(want failures)" "$(want pending)" "cluster run"
nodes=$(json_get "$WORK/nodes.json" "' '.join(sorted(set(f['node'] for f in r['files'])))")
[[ $nodes == *n1* && $nodes == *n2* ]] || fail "cluster run: files ran on '$nodes', not on both nodes"
copy=/root/$(remote_copy "$app")
for n in n1 n2; do
  "$TC" exec "$n" sh -c 'test -f "$1/db/test.sqlite3" && test -f "$1/db/test2.sqlite3"' sh "$copy" ||
    fail "$n: the runners' databases are not in its copy ($copy/db: $("$TC" exec "$n" ls "$copy/db" 2>&1))"
done
echo "ok: rails-app: $(want examples) examples serially, with 2 local runners and on 2 nodes x 2, each runner on a database of its own"
