#!/usr/bin/env bash
# man/distributest.1 is lint-clean (groff -man -ww -z prints nothing; so does mandoc -T lint
# where mandoc is installed) and keeps up with the binary: every option that
# `distributest --help` (and `distributest config --help`) lists, every subcommand and every
# exit code of src/cli/cli.h is in it.
source "$(dirname "$0")/lib.sh"

PAGE=$SRC/man/distributest.1
[[ -f $PAGE ]] || fail "no man page at $PAGE"
command -v groff >/dev/null || { echo "skip: groff is not installed (apt-get install groff-base)"; exit 77; }

lint=$(groff -man -ww -z "$PAGE" 2>&1)
[[ -z $lint ]] || fail "groff -man -ww -z complains about $PAGE:"$'\n'"$lint"
if command -v mandoc >/dev/null; then
  lint=$(mandoc -T lint "$PAGE" 2>&1) || true
  [[ -z $lint ]] || fail "mandoc -T lint complains about $PAGE:"$'\n'"$lint"
fi

# The page as plain text, unhyphenated, as a reader sees it (\- becomes -).
groff -man -Tascii -rHY=0 -P-cbou "$PAGE" >"$WORK/page.txt" 2>/dev/null
[[ -s $WORK/page.txt ]] || fail "groff rendered nothing from $PAGE"
mentions() {  # mentions WORD: the page has WORD, not as part of a longer option or word
  grep -qE -- "(^|[^A-Za-z0-9_-])$1([^A-Za-z0-9_-]|$)" "$WORK/page.txt"
}

"$DT" --help >"$WORK/help.txt" 2>&1 || fail "distributest --help failed"
"$DT" config --help >>"$WORK/help.txt" 2>&1 || fail "distributest config --help failed"
# Option lines look like "  -c,--config TEXT:FILE   Read ..." or "  --fail-fast{1}  Stop ...".
mapfile -t longs < <(grep -E '^ +-' "$WORK/help.txt" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
mapfile -t shorts < <(grep -oE '^ +-[A-Za-z],' "$WORK/help.txt" | tr -d ' ,' | sort -u)
(( ${#longs[@]} >= 10 )) || fail "found only ${#longs[@]} long options in --help: ${longs[*]}"
missing=()
for option in "${longs[@]}" "${shorts[@]}"; do
  mentions "$option" || missing+=("$option")
done
(( ${#missing[@]} == 0 )) || fail "options in --help but not in $PAGE: ${missing[*]}"

# Subcommands: the lines under "Subcommands:" in --help.
mapfile -t subcommands < <("$DT" --help | sed -n '/^Subcommands:/,/^$/{/^  *[a-z]/p}' | awk '{print $1}')
(( ${#subcommands[@]} >= 1 )) || fail "found no subcommands in --help"
for sub in "${subcommands[@]}"; do
  grep -qF "distributest $sub" "$WORK/page.txt" || fail "subcommand '$sub' is not in $PAGE"
done

# Exit codes: each kExit... constant of src/cli/cli.h is a tag under EXIT STATUS.
sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$WORK/page.txt" >"$WORK/exit.txt"
mapfile -t codes < <(sed -nE 's/.*constexpr int kExit[A-Za-z]+ = ([0-9]+);.*/\1/p' "$SRC/src/cli/cli.h")
(( ${#codes[@]} >= 5 )) || fail "found only ${#codes[@]} exit codes in src/cli/cli.h"
for code in "${codes[@]}"; do
  grep -qE "^ +$code( |$)" "$WORK/exit.txt" || fail "exit status $code is not under EXIT STATUS in $PAGE"
done

for section in NAME SYNOPSIS DESCRIPTION OPTIONS CONFIGURATION ENVIRONMENT FILES "EXIT STATUS" \
    EXAMPLES "SEE ALSO"; do
  grep -qx "$section" "$WORK/page.txt" || fail "no $section section in $PAGE"
done
echo "ok: man page lint-clean; ${#longs[@]} long and ${#shorts[@]} short options," \
  "${#subcommands[@]} subcommand(s), ${#codes[@]} exit codes documented"
