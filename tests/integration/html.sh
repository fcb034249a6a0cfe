#!/usr/bin/env bash
# --html writes one self-contained page that a real headless Chromium loads with no console
# errors, showing one bar per file run, at 5,000 files; a test output holding </script> stays
# text; #filter=TEXT dims the other bars; tries that did not count (a runner killed under a file, a failure before --retry passed
# it) are drawn where they ran; a file split into parts is drawn as a bar per part, each in the
# lane of the runner that ran it. (Lost nodes: faults.sh, on the test cluster.)
source "$(dirname "$0")/lib.sh"
[[ -x $CHROMIUM ]] || { echo "SKIP: no $CHROMIUM (tools/setup installs it)"; exit 77; }

project=$WORK/html
mkdir -p "$project/t"
cd "$project"
for i in $(seq 1 5000); do echo 'exit 0' > "t/f$i.sh"; done
printf 'echo "</script><img src=x onerror=alert(1)>"; exit 1\n' > t/hostile.sh
run_dt -n 2 --framework command --command 'sh {file}' 't/*.sh' --html report.html
assert_rc 1
size=$(stat -c %s report.html)
! grep -qE '(src|href)="https?:' report.html || fail "the page loads something from the network"

start=$(date +%s.%N)
load_page "$project/report.html" "$WORK/dom.html"
end=$(date +%s.%N)
bars=$(count_in "$WORK/dom.html" 'class="bar')
[[ $bars == 5001 ]] || fail "the page shows $bars bars for 5001 files"
[[ $(count_in "$WORK/dom.html" 'class="try ') == 0 ]] || fail "tries drawn where every file ran once"
# Each of the 2 runners ended in order once: its teardown is drawn in its lane.
[[ $(count_in "$WORK/dom.html" 'class="teardown" title="teardown of') == 2 ]] || fail "the runners' teardowns are not drawn"
grep -q '<img src="x"' "$WORK/dom.html" && fail "a test's output became markup"
grep -q 'id="failure-0"' "$WORK/dom.html" || fail "the failure has no anchor for its bar to jump to"
# A link with #filter=TEXT dims every bar but the matching file's.
load_page "$project/report.html#filter=f4999.sh" "$WORK/filtered.html"
dimmed=$(count_in "$WORK/filtered.html" ' dim"')
[[ $dimmed == 5000 ]] || fail "#filter=f4999.sh dimmed $dimmed of 5001 bars, wanted 5000"
echo "ok: 5,001 files: page $((size / 1024)) KiB, loaded by headless Chromium in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')s (browser start included), $bars bars, no console errors"

# Earlier tries. once.sh SIGKILLs its runner (the command adapter) on its first try: requeued,
# passes on the second. flaky.sh fails once, passes on the --retry rerun.
project=$WORK/tries
mkdir -p "$project/t"
cd "$project"
cat > t/once.sh <<SH
[ -e "$WORK/once-seen" ] && exit 0
touch "$WORK/once-seen"
p=\$\$
while [ "\$p" -gt 1 ] && ! tr '\\0' ' ' < /proc/\$p/cmdline | grep -q 'runners/command'; do
  p=\$(ps -o ppid= -p "\$p" | tr -d ' ')
done
[ "\$p" -gt 1 ] && kill -KILL "\$p"
sleep 5
SH
printf '[ -e "%s/flaky-seen" ] && exit 0\ntouch "%s/flaky-seen"; exit 1\n' "$WORK" "$WORK" > t/flaky.sh
for i in 1 2 3 4; do echo 'sleep 0.2' > "t/ok$i.sh"; done
run_dt -n 2 --retry 1 --framework command --command 'sh {file}' 't/*.sh' --html tries.html --json tries.json
assert_rc 0
[[ $(json_get tries.json "[f['earlier_attempts'][0]['outcome'] for f in r['files'] if f['path']=='t/once.sh'][0]") == requeued ]] ||
  fail "once.sh: its killed try is not recorded: $(cat "$WORK/out")"
[[ $(json_get tries.json "[f['earlier_attempts'][0]['outcome'] for f in r['files'] if f['path']=='t/flaky.sh'][0]") == failed ]] ||
  fail "flaky.sh: its failed try is not recorded"
load_page "$project/tries.html" "$WORK/tries-dom.html"
[[ $(count_in "$WORK/tries-dom.html" 'class="bar') == 6 ]] || fail "tries: one bar per file wanted"
[[ $(count_in "$WORK/tries-dom.html" 'class="try requeued"') == 1 ]] || fail "the killed try is not drawn"
[[ $(count_in "$WORK/tries-dom.html" 'class="try failed"') == 1 ]] || fail "the failed try is not drawn"
/usr/bin/python3 -c 'import sys; sys.exit(0 if sys.argv[2] in open(sys.argv[1]).read() else 1)' \
  "$WORK/tries-dom.html" $'title="t/once.sh\nattempt 1 of 2: requeued' ||
  fail "the killed try's title does not name its file and what happened"
echo "ok: a requeued try and a failed try are drawn in their runners' lanes"

# A split file. The first run records test_slow.py's examples; its 1.6s bound the run on 2
# runners, so the second cuts it in two parts that run side by side: one entry in the JSON and
# a bar per part, each in the lane of the runner the JSON says ran it, titled "path (part i/k)".
if /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
  project=$WORK/split
  mkdir -p "$project/tests"
  cd "$project"
  printf '[pytest]\ntestpaths = tests\n' > pytest.ini
  printf 'import time\n' > tests/test_slow.py
  for t in a b c d; do printf 'def test_%s():\n    time.sleep(0.4)\n' "$t" >> tests/test_slow.py; done
  printf 'def test_ok():\n    pass\n' > tests/test_quick.py
  export DISTRIBUTEST_PYTHON=/usr/bin/python3
  run_dt -n 2 --framework pytest
  assert_rc 0
  run_dt -n 2 --framework pytest --html split.html --json split.json
  assert_rc 0
  [[ $(json_get split.json "[len(f['parts']) for f in r['files'] if f['path']=='tests/test_slow.py'][0]") == 2 ]] ||
    fail "test_slow.py was not split in two: $(cat "$WORK/out")"
  load_page "$project/split.html" "$WORK/split-dom.html"
  [[ $(count_in "$WORK/split-dom.html" 'class="bar') == 3 ]] || fail "split: a bar per part and per whole file wanted"
  /usr/bin/python3 - "$WORK/split-dom.html" split.json <<'PY' || fail "split: the parts' bars are not in their runners' lanes"
import json, re, sys
dom = open(sys.argv[1]).read()
report = json.load(open(sys.argv[2]))
lanes = {}  # runner id -> the titles of the bars in its lane
for lane in dom.split('<div class="lane">')[1:]:
    runner = re.match(r'<span class="id">([^<]*)</span>', lane).group(1)
    lanes[runner] = re.findall(r'<div class="bar[^"]*" title="([^\n"]*)', lane)
slow = [f for f in report["files"] if f["path"] == "tests/test_slow.py"][0]
for p in slow["parts"]:
    label = "tests/test_slow.py (part %d/%d)" % (p["part"], p["parts"])
    if label not in lanes.get(p["runner"], []):
        sys.exit("%s not in the lane of %s: %s" % (label, p["runner"], lanes))
if any("tests/test_slow.py" == t for ts in lanes.values() for t in ts):
    sys.exit("the split file also has a bar of its own: %s" % lanes)
PY
  echo "ok: a split file's parts are drawn as bars in their runners' lanes"
else
  echo "skipped the split file: /usr/bin/python3 has no pytest"
fi
