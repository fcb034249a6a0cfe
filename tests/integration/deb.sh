#!/usr/bin/env bash
# The Debian package (tools/package, cmake/package.cmake) of the tested build installs with dpkg,
# pulls in what it needs (Depends from dpkg-shlibdeps plus rsync and ssh), puts the binary,
# relay, templates, gzipped man pages, conffile and completion in their Debian places, runs a
# fixture suite with the installed templates, and purges cleanly (nothing left in /etc). Root only; skipped when a
# distributest package is already installed here (a user's install is never replaced).
source "$(dirname "$0")/lib.sh"
[[ $(id -u) == 0 ]] && command -v dpkg >/dev/null && command -v cpack >/dev/null ||
  { echo "SKIP: needs root, dpkg and cpack"; exit 77; }
if dpkg-query -W -f='${Status}' distributest 2>/dev/null | grep -q ' installed$'; then
  echo "SKIP: a distributest package is already installed here"; exit 77
fi
build=$(dirname "$DT")
deb=$("$SRC/tools/package" "$build" | tail -1)
[[ -f $deb ]] || fail "tools/package printed no .deb ($deb)"
removed=0
remove_package() { ((removed)) || dpkg -P distributest >/dev/null 2>&1 || true; }
trap 'remove_package; rm -rf "$WORK"' EXIT

depends=$(dpkg-deb -f "$deb" Depends)
for d in rsync openssh-client libssh2-1 libtomlplusplus3 libc6; do
  [[ $depends == *"$d"* ]] || fail "Depends lacks $d: $depends"
done
dpkg -i "$deb" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg -i failed"; }
for f in /usr/bin/distributest /usr/libexec/distributest/distributest-ssh-relay \
  /usr/share/distributest/runners/pytest /usr/share/distributest/runners/rspec \
  /usr/share/distributest/init/config.toml /usr/share/man/man1/distributest.1.gz \
  /usr/share/man/man5/distributest.toml.5.gz /etc/distributest/config.toml \
  /usr/share/bash-completion/completions/distributest; do
  [[ -e $f ]] || fail "the package did not install $f"
done
dpkg-query -W -f='${Conffiles}' distributest | grep -q /etc/distributest/config.toml ||
  fail "/etc/distributest/config.toml is not a conffile"
[[ $(/usr/bin/distributest --version) == *"$(sed -n 's/^project(distributest VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")"* ]] ||
  fail "installed --version: $(/usr/bin/distributest --version)"

project=$(project_from pytest)
cd "$project"
# The installed binary must run with the installed templates, not the source tree's.
DISTRIBUTEST_TEMPLATES= /usr/bin/distributest -n 2 --json report.json tests >"$WORK/out" 2>&1 || true
assert_fixture_summary report.json pytest "installed package"

dpkg -P distributest >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg -P failed"; }
removed=1
for f in /usr/bin/distributest /usr/share/distributest/runners/pytest /usr/libexec/distributest /etc/distributest; do
  [[ ! -e $f ]] || fail "dpkg -P left $f"
done
echo "ok: the .deb installs with dpkg, runs a pytest suite from /usr/bin with its own templates, and purges cleanly"
