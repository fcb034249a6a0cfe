"""Checks the event log of tests/fixtures/pytest-session (FIXTURE_SESSION_LOG) after one
runner ran the paths given, in that order, and then got the empty line (no more work).

What one pytest session per runner means, as a pytest-xdist worker runs it:
  - pytest_sessionstart, the session fixture's setup and teardown and pytest_sessionfinish
    happen once, in one process, in that order, around everything else; pytest_sessionfinish
    (slow on purpose) still wrote its line, so the runner waited for its teardown;
  - each file's events (module fixture setup, its tests, module fixture teardown) form one
    block, in the order sent: a module's teardown happens before the next file starts, so
    its errors land in its own record;
  - pkg_a's package fixture is set up once for its consecutive files and torn down after the
    last of them, before the next file outside the package.
Prints what is wrong and exits 1, or prints one ok line.
"""

import argparse
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--paths", required=True)
    args = ap.parse_args()
    with open(args.paths) as f:
        paths = [p for p in f.read().split("\n") if p]
    try:
        with open(args.log) as f:
            lines = [l for l in f.read().split("\n") if l]
    except FileNotFoundError:
        lines = []
    problems = []
    events = [l.rsplit(" ", 1)[0] for l in lines]
    pids = {l.rsplit(" ", 1)[-1] for l in lines}
    if len(pids) != 1:
        problems.append(f"events from {len(pids)} processes, expected 1: {sorted(pids)}")

    suite = ["sessionstart", "session setup", "session teardown", "sessionfinish"]
    for event in suite:
        n = events.count(event)
        if n != 1:
            problems.append(f"{event!r} happened {n} times, expected once per runner")
    if not problems:
        first_block = min(i for i, e in enumerate(events) if e not in suite)
        if events[:first_block] != suite[:2] or events[-2:] != suite[2:]:
            problems.append(f"suite events out of place: starts {events[:first_block]}, "
                            f"ends {events[-2:]}")

    blocks = []  # (file, [events]) in log order, package events apart
    for e in events:
        if e in suite or e.startswith("package "):
            blocks.append((None, [e]))
            continue
        word = next((w for w in ("module setup", "module teardown", "test")
                     if e.startswith(w + " ")), None)
        if word is None:
            problems.append(f"unknown event {e!r}")
            continue
        file = e[len(word) + 1:].split("::")[0]
        if blocks and blocks[-1][0] == file:
            blocks[-1][1].append(word)
        else:
            blocks.append((file, [word]))
    files = [b[0] for b in blocks if b[0] is not None]
    if files != paths:
        problems.append(f"files' events are not one block each, in the order sent: {files}")
    for file, words in blocks:
        if file is not None and (words[0] != "module setup" or words[-1] != "module teardown"
                                 or words.count("module teardown") != 1):
            problems.append(f"{file}: module fixture events {words}")

    in_a = [i for i, (f, _) in enumerate(blocks) if f and f.startswith("tests/pkg_a/")]
    setups = [i for i, (_, w) in enumerate(blocks) if w == ["package setup pkg_a"]]
    teardowns = [i for i, (_, w) in enumerate(blocks) if w == ["package teardown pkg_a"]]
    if len(setups) != 1 or len(teardowns) != 1:
        problems.append(f"pkg_a's package fixture set up {len(setups)} and torn down "
                        f"{len(teardowns)} times, expected once each")
    elif in_a and not (setups[0] == in_a[0] - 1 and teardowns[0] == in_a[-1] + 1):
        problems.append("pkg_a's package fixture did not span exactly its files: "
                        f"{[b[0] or b[1][0] for b in blocks]}")

    if problems:
        print(f"FAIL {args.name}:")
        for p in problems:
            print(f"  - {p}")
        print("  log:\n" + "".join(f"    | {l}\n" for l in lines))
        return 1
    print(f"ok   {args.name}: session hooks and fixtures once per runner, module fixtures per "
          f"file, pkg_a's fixture across its {len(in_a)} files ({len(paths)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
