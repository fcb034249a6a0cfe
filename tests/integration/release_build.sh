#!/usr/bin/env bash
# The standard release build works for a packager: `cmake -DCMAKE_BUILD_TYPE=Release` with the
# default options does not turn warnings into errors (tools/build does, for development and
# CI), and src/cli/run.cc, where GCC 12 at -O3 once stopped the build with a -Wrestrict false
# positive, compiles without a warning. Only that object is built, to keep CI time down.
source "$(dirname "$0")/lib.sh"
command -v cmake >/dev/null && command -v ninja >/dev/null ||
  { echo "SKIP: needs cmake and ninja"; exit 77; }
release=$WORK/release
cmake -S "$SRC" -B "$release" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$WORK/configure.log" 2>&1 ||
  { cat "$WORK/configure.log" >&2; fail "a Release build with the default options does not configure"; }
grep -q '^DISTRIBUTEST_WERROR:BOOL=OFF$' "$release/CMakeCache.txt" ||
  fail "DISTRIBUTEST_WERROR is not OFF by default: $(grep DISTRIBUTEST_WERROR "$release/CMakeCache.txt")"
grep -q -- '-Werror' "$release/compile_commands.json" && fail "the default Release build compiles with -Werror"
object=CMakeFiles/distributest_core.dir/src/cli/run.cc.o
nice ninja -C "$release" "$object" >"$WORK/out" 2>&1 ||
  { cat "$WORK/out" >&2; fail "src/cli/run.cc does not compile in a default Release build"; }
! grep -q 'warning:' "$WORK/out" || { cat "$WORK/out" >&2; fail "warnings compiling src/cli/run.cc in Release"; }
echo "ok: a default Release build has no -Werror, and run.cc compiles in it without a warning"
