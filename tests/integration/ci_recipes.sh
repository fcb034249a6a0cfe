#!/usr/bin/env bash
# CI conventions (README "CI"). Under GITHUB_ACTIONS=true, the failures of a real pytest suite and
# a real RSpec suite are printed after the summary as one GitHub workflow command each: the path
# from the repository root (a project below GITHUB_WORKSPACE), the line of the innermost frame in
# the test's file, multi-line messages and file names with ',' and ':' escaped as GitHub's toolkit
# does; a file that crashed is annotated on itself, a flaky one is a warning, and a file that
# failed on its --retry rerun too is annotated once. Without the variable (or with another value)
# nothing of the kind is printed. Then the README's recipes run as written there: the workflow's
# and the GitLab job's commands leave the files their artifacts and caches name (a JUnit file
# that parses, with the failures in it), and the cron line, run by sh with cron's %-escapes,
# writes today's dated HTML report and log and deletes the reports older than two weeks.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import pytest, yaml' 2>/dev/null ||
  { echo "SKIP: /usr/bin/python3 lacks pytest or yaml (tools/setup installs them)"; exit 77; }
command -v rspec >/dev/null || { echo "SKIP: no rspec (tools/setup installs ruby-rspec)"; exit 77; }
export DISTRIBUTEST_PYTHON=/usr/bin/python3
unset GITHUB_ACTIONS GITHUB_WORKSPACE  # ctest itself may run under GitHub Actions

# The workflow commands in $WORK/out, runner ids (<host>_local_<n>) as R, sorted.
annotations() {
  { grep -E '^::[a-z]+ ' "$WORK/out" || true; } | sed -E 's/[a-z0-9_]+_local_[0-9]+/R/g' | LC_ALL=C sort
}
assert_annotations() {  # assert_annotations WHAT EXPECTED_LINES
  local got
  got=$(annotations)
  [[ $got == "$(LC_ALL=C sort <<<"$2")" ]] || {
    cat "$WORK/out" >&2
    fail "$1: the annotations are"$'\n'"$got"$'\n'"and should be"$'\n'"$(LC_ALL=C sort <<<"$2")"
  }
}
assert_no_annotations() {
  ! grep -qE '^::' "$WORK/out" || { cat "$WORK/out" >&2; fail "$1: workflow commands printed"; }
}

# --- pytest, in a directory below the workspace --------------------------------------------------
repo=$WORK/repo
py=$repo/py-app
mkdir -p "$py/tests"
printf '[pytest]\ntestpaths = tests\n' > "$py/pytest.ini"
cat > "$py/tests/test_a,b:c.py" <<'PY'
def helper(x):
    assert x == 2, "line one\nline two"


def test_multi():
    helper(1)


def test_percent():
    assert False, "100% wrong"


def test_ok():
    pass
PY
cat > "$py/tests/test_crash.py" <<'PY'
import os


def test_dies():
    os._exit(3)
PY
cat > "$py/tests/test_flaky.py" <<PY
import os


def test_sometimes():
    if not os.path.exists("$WORK/flaky-seen"):
        open("$WORK/flaky-seen", "w").close()
        assert False, "first try"
PY
printf 'def test_fine():\n    pass\n' > "$py/tests/test_pass.py"
cd "$py"

GITHUB_ACTIONS=true GITHUB_WORKSPACE=$repo run_dt -n 2 --retry 1 --json report.json
assert_rc 1
[[ $(json_get report.json "[f['attempts'] for f in r['files'] if f['path']=='tests/test_a,b:c.py'][0]") == 2 ]] ||
  fail "tests/test_a,b:c.py was not rerun by --retry 1"
# After the summary, never among the progress lines.
[[ $(grep -nE '^::' "$WORK/out" | head -n 1 | cut -d: -f1) -gt $(grep -n '^Finished in' "$WORK/out" | cut -d: -f1) ]] ||
  fail "annotations before the end of the summary: $(cat "$WORK/out")"
assert_annotations pytest "$(cat <<'EOF'
::error file=py-app/tests/test_a%2Cb%3Ac.py,line=2,title=tests/test_a%2Cb%3Ac.py%3A%3Atest_multi::AssertionError: line one%0A  line two%0Aassert 1 == 2%0A(runner R)
::error file=py-app/tests/test_a%2Cb%3Ac.py,line=10,title=tests/test_a%2Cb%3Ac.py%3A%3Atest_percent::AssertionError: 100%25 wrong%0Aassert False%0A(runner R)
::error file=py-app/tests/test_crash.py,title=tests/test_crash.py%3A error::runner exited with status 3 while running this file (attempt 2 of 2)%0A(runner R)
::warning file=py-app/tests/test_flaky.py,title=flaky%3A tests/test_flaky.py::failed, then passed on a rerun: failed on R (attempt 1): tests/test_flaky.py::test_sometimes: AssertionError: first try; passed on R (attempt 2)
EOF
)"
# Errors before warnings: GitHub shows 10 of each per step, 50 in all per job.
[[ $(grep -E '^::' "$WORK/out" | tail -n 1) == ::warning* ]] || fail "the warning is not last"
echo "ok: pytest: one annotation per failure (also after a --retry rerun), on the crashed file, a warning for the flaky one; paths from the workspace, ',' ':' '%' and newlines escaped"

rm -f "$WORK/flaky-seen"
run_dt -n 2 --retry 1
assert_rc 1
assert_no_annotations "GITHUB_ACTIONS unset"
GITHUB_ACTIONS=false run_dt -n 2
assert_rc 1
assert_no_annotations "GITHUB_ACTIONS=false"
echo "ok: no workflow commands unless GITHUB_ACTIONS is \"true\""

# --- RSpec, with no workspace: project-relative paths --------------------------------------------
rb=$WORK/rb-app
mkdir -p "$rb/spec"
cat > "$rb/spec/calc,x_spec.rb" <<'RB'
RSpec.describe "Calc" do
  def check(x)
    expect(x).to eq(2)
  end

  it "adds" do
    check(1)
  end

  it "raises" do
    raise "first\nsecond"
  end

  it "passes" do
    expect(1).to eq(1)
  end
end
RB
printf 'RSpec.describe "Fine" do\n  it("works") { expect(1).to eq(1) }\nend\n' > "$rb/spec/fine_spec.rb"
cd "$rb"
GITHUB_ACTIONS=true run_dt -n 2
assert_rc 1
assert_annotations rspec "$(cat <<'EOF'
::error file=spec/calc%2Cx_spec.rb,line=3,title=Calc adds::RSpec::Expectations::ExpectationNotMetError: %0Aexpected: 2%0A     got: 1%0A%0A(compared using ==)%0A(runner R)
::error file=spec/calc%2Cx_spec.rb,line=11,title=Calc raises::RuntimeError: first%0Asecond%0A(runner R)
EOF
)"
echo "ok: rspec: the innermost frame's line in the spec file, multi-line messages on one line"

# --- the README's recipes, as written there ------------------------------------------------------
mkdir -p "$WORK/bin"
ln -s "$DT" "$WORK/bin/distributest"
/usr/bin/python3 - "$SRC/README.md" "$WORK/recipe" <<'PY'
import re, sys, textwrap, yaml
readme, out = sys.argv[1], sys.argv[2]
blocks = {}
for indent, lang, body in re.findall(r"^( *)```(\w*)\n(.*?)^\1```", open(readme).read(), re.M | re.S):
    body = textwrap.dedent(body)
    blocks[body.splitlines()[0] if lang == "yaml" else lang] = body
def write(name, lines):
    with open(f"{out}.{name}", "w") as f:
        f.writelines(line + "\n" for line in lines)
gh = yaml.safe_load(blocks["# .github/workflows/test.yml"])
steps = gh["jobs"]["test"]["steps"]
write("gh.run", [s["run"] for s in steps if "distributest" in s.get("run", "")])
upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")][0]
saved = [s for s in steps if s.get("uses", "").startswith("actions/cache/save@")][0]
assert upload.get("if") == "always()" and saved.get("if") == "always()", "kept only on success"
write("gh.paths", upload["with"]["path"].split() + [saved["with"]["path"]])
job = yaml.safe_load(blocks["# .gitlab-ci.yml"])["test"]
write("gl.script", job["script"])
assert job["artifacts"]["when"] == "always" and job["cache"]["when"] == "always", "kept only on success"
write("gl.junit", [job["artifacts"]["reports"]["junit"]])
write("gl.paths", job["artifacts"]["paths"] + job["cache"]["paths"])
(line,) = [l for l in blocks["crontab"].splitlines() if l and not l.startswith("#")]
command = line.split(None, 5)[5]
# cron turns a bare % into a newline (the rest goes to stdin) and \% into %.
assert not re.search(r"(?<!\\)%", command), "an unescaped % in the cron line: " + command
write("cron", [command.replace("\\%", "%")])
PY

junit_ok() {  # junit_ok FILE: well-formed, a testsuite per spec file, the 2 failures in it
  [[ -s $1 ]] || fail "no JUnit file $1"
  if command -v xmllint >/dev/null; then xmllint --noout "$1" || fail "$1 is not well-formed XML"; fi
  [[ $(/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
print(len(r.findall("testsuite")), sum(int(s.get("failures")) for s in r.findall("testsuite")))' "$1") == "2 2" ]] ||
    fail "$1: not 2 testsuites with 2 failures: $(cat "$1")"
}

rm -rf .distributest/timings
while read -r command; do
  set +e
  PATH=$WORK/bin:$PATH GITHUB_ACTIONS=true GITHUB_WORKSPACE=$rb bash --noprofile --norc -eo pipefail -c "$command" >"$WORK/out" 2>&1
  rc=$?
  set -e
  assert_rc 1
done <"$WORK/recipe.gh.run"
while read -r path; do [[ -s $path ]] || fail "GitHub workflow: no $path to keep"; done <"$WORK/recipe.gh.paths"
[[ $(grep -c '^::error file=spec/calc%2Cx_spec.rb,line=' "$WORK/out") == 2 ]] || fail "GitHub workflow: annotations: $(cat "$WORK/out")"
junit_ok junit.xml
echo "ok: the README's GitHub workflow: annotations, and $(tr '\n' ' ' <"$WORK/recipe.gh.paths")kept"

rm -rf junit.xml report.html .distributest/timings
while read -r command; do
  set +e
  PATH=$WORK/bin:$PATH sh -c "$command" >"$WORK/out" 2>&1
  rc=$?
  set -e
  assert_rc 1
done <"$WORK/recipe.gl.script"
assert_no_annotations "GitLab job"
while read -r path; do [[ -s $path ]] || fail "GitLab job: no $path to keep"; done <"$WORK/recipe.gl.paths"
junit_ok "$(cat "$WORK/recipe.gl.junit")"
echo "ok: the README's GitLab job: $(cat "$WORK/recipe.gl.junit") parses with both failures; $(tr '\n' ' ' <"$WORK/recipe.gl.paths")kept"

# cron: a home of its own with the project at ~/src/app, cron's bare environment, sh.
home=$WORK/home
mkdir -p "$home/src" "$home/reports"
ln -s "$rb" "$home/src/app"
touch -d '20 days ago' "$home/reports/nightly-old.html" "$home/reports/nightly-old.log"
touch -d '3 days ago' "$home/reports/nightly-recent.html"
set +e
env -i HOME="$home" PATH="$WORK/bin:/usr/bin:/bin" SHELL=/bin/sh LOGNAME=cron \
  DISTRIBUTEST_SYSTEM_CONFIG="$DISTRIBUTEST_SYSTEM_CONFIG" /bin/sh -c "$(cat "$WORK/recipe.cron")" >"$WORK/out" 2>&1
rc=$?
set -e
assert_rc 0  # find's status: the run's own went to the log
today=$(date +%F)
report=$home/reports/nightly-$today.html
[[ -s $report ]] || fail "cron: no $report: $(ls -l "$home/reports")"
grep -q 'calc,x_spec.rb' "$report" || fail "cron: $report does not show the run"
/usr/bin/python3 -c 'import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = set()
    def handle_starttag(self, tag, attrs): self.tags.add(tag)
p = P(); p.feed(open(sys.argv[1]).read()); p.close()
sys.exit(0 if {"html", "body", "script"} <= p.tags else 1)' "$report" || fail "cron: $report is not the HTML report"
grep -q 'examples, 2 failures' "$home/reports/nightly-$today.log" || fail "cron: the log lacks the summary"
[[ ! -e $home/reports/nightly-old.html && ! -e $home/reports/nightly-old.log ]] || fail "cron: reports 20 days old were kept"
[[ -e $home/reports/nightly-recent.html ]] || fail "cron: a report 3 days old was deleted"
echo "ok: the README's cron line: nightly-$today.html and .log written, 20-day-old reports deleted, 3-day-old kept"
