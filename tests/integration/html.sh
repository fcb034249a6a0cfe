#!/usr/bin/env bash
# --html writes one self-contained page that a real headless Chromium loads with no console
# errors, showing one bar per file run, at 5,000 files; a test output holding </script> stays
# text.
source "$(dirname "$0")/lib.sh"
CHROMIUM=/usr/bin/chromium
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

profile=$(mktemp -d "$WORK/chromium.XXXXXX")
start=$(date +%s.%N)
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --enable-logging=stderr --v=0 --dump-dom "file://$project/report.html" \
  >"$WORK/dom.html" 2>"$WORK/chromium.log"
end=$(date +%s.%N)
bars=$(grep -o 'class="bar[ "]' "$WORK/dom.html" | wc -l)
[[ $bars == 5001 ]] || fail "the page shows $bars bars for 5001 files"
if grep -E 'CONSOLE|Uncaught' "$WORK/chromium.log" | grep -qvi 'dbus'; then
  grep -E 'CONSOLE|Uncaught' "$WORK/chromium.log" >&2
  fail "console messages while loading the page"
fi
grep -q '<img src="x"' "$WORK/dom.html" && fail "a test's output became markup"
echo "ok: 5,001 files: page $((size / 1024)) KiB, loaded by headless Chromium in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')s (browser start included), $bars bars, no console errors"
