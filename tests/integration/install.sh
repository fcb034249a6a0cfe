#!/usr/bin/env bash
# `cmake --install` puts the binary, the sync relay, the runner templates, the man pages, the
# default config and the bash completion in their places, and the installed binary runs a suite
# with the installed templates; the man pages are lint-clean.
source "$(dirname "$0")/lib.sh"
build=$(dirname "$DT")
prefix=$WORK/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/distributest libexec/distributest/distributest-ssh-relay share/distributest/runners/rspec share/distributest/runners/pytest \
  share/distributest/runners/command share/distributest/init/config.toml \
  share/man/man1/distributest.1 share/man/man5/distributest.toml.5 etc/distributest/config.toml \
  share/bash-completion/completions/distributest; do
  [[ -e $prefix/$f ]] || fail "not installed: $f"
done
[[ -x $prefix/share/distributest/runners/rspec ]] || fail "installed runner not executable"
if command -v groff >/dev/null; then
  lint=$(groff -man -ww -z "$prefix/share/man/man5/distributest.toml.5" 2>&1)
  [[ -z $lint ]] || fail "distributest.toml.5: $lint"
  # Every key of the documented default config is in the config man page.
  for key in $(grep -oE '^#?[a-z_]+ =' "$SRC/etc/config.toml" | tr -d '#= ' | sort -u); do
    grep -q "$key" "$SRC/man/distributest.toml.5" || fail "distributest.toml.5 lacks '$key'"
  done
fi
bash -n "$prefix/share/bash-completion/completions/distributest" || fail "completion script"
project=$(project_from command)
cd "$project"
# The installed binary must find the installed templates, not the source tree's.
DISTRIBUTEST_TEMPLATES= "$prefix/bin/distributest" -n 2 --framework command --command 'sh {file}' \
  'scripts/*.sh' --json report.json >"$WORK/out" 2>&1 || true
assert_fixture_summary report.json command "installed binary"
echo "ok: cmake --install lays out binary, templates, man pages, config and completion; the installed binary runs"
