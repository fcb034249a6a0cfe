#!/usr/bin/env bash
# The adapters' own self-test (tests/adapters/test_adapters.sh: each adapter run directly on
# the fixture suites, its protocol stream and counts checked against the serial runs, suite
# hooks once per runner, teardown after the empty line, process titles), run in CI. It needs
# no distributest binary; the argument is taken for the common interface only.
source "$(dirname "$0")/lib.sh"
sh "$SRC/tests/adapters/test_adapters.sh" || fail "the adapter self-test failed (its output is above)"
