#!/usr/bin/env bash
# --html writes one self-contained page that a real headless Chromium loads with no console
# errors, showing one bar per file run, at 5,000 files; a test output holding </script> stays
# text; #filter=TEXT dims the other bars; tries that did not count (a runner killed under a file, a failure before --retry passed
# it) are drawn where they ran. (Lost nodes: faults.sh, on the test cluster.)
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
