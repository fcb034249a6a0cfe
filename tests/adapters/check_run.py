"""Checks one adapter run against runner protocol v3 (docs/protocol.md).

Called by test_adapters.sh with the captured streams of one run; prints what it checked and
exits 1 with the reasons on any mismatch.
"""

import argparse
import json
import math
import re
import sys

HELLO = "@distributest hello 3 "
RESULT = "@distributest result "
MARKER = b"\x1edistributest:end\n"
STATUSES = ("passed", "failed", "error")
CASE_STATUSES = ("passed", "failed", "error", "pending")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True, help="label for messages")
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--paths", required=True, help="the paths sent, one per line")
    ap.add_argument("--stdout", required=True)
    ap.add_argument("--stderr", required=True)
    ap.add_argument("--combined", help="a second run's stdout and stderr in one file")
    ap.add_argument("--rc", type=int, required=True)
    ap.add_argument("--expected", help="EXPECTED file: examples=N failures=N pending=N")
    ap.add_argument("--status", action="append", default=[], metavar="PATH=STATUS")
    ap.add_argument("--default-status", default="passed")
    ap.add_argument("--load-log", help="FIXTURE_LOAD_LOG file that must have exactly one line")
    ap.add_argument("--answered", type=int,
                    help="the runner must answer exactly this many paths, then die (rc != 0)")
    ap.add_argument("--min-duration", action="append", default=[], metavar="PATH=SECONDS")
    ap.add_argument("--expect-path-key", action="store_true",
                    help="records must carry the path sent")
    args = ap.parse_args()

    failures = []

    def check(cond, message):
        if not cond:
            failures.append(message)
        return cond

    with open(args.paths, "rb") as f:
        paths = [p.decode("utf-8") for p in f.read().split(b"\n") if p != b""]
    with open(args.stdout, "rb") as f:
        out = f.read()
    with open(args.stderr, "rb") as f:
        err = f.read()

    answered = len(paths) if args.answered is None else args.answered
    if args.answered is None:
        check(args.rc == 0, f"runner exit status {args.rc}, expected 0 on stdin EOF")
    else:
        check(args.rc != 0, f"runner exit status {args.rc}, expected it to die (non-zero)")

    lines = out.decode("utf-8").split("\n")
    check(lines and lines[-1] == "", "stdout does not end with a newline")
    lines = lines[:-1] if lines and lines[-1] == "" else lines
    check(bool(lines) and lines[0] == HELLO + args.adapter,
          f"first stdout line is {lines[0]!r} if any, expected {HELLO + args.adapter!r}"
          if lines else "no handshake on stdout")
    records = []
    for i, line in enumerate(lines[1:], start=2):
        if not check(line.startswith(RESULT), f"stdout line {i} is not a protocol line: {line!r}"):
            continue
        try:
            rec = json.loads(line[len(RESULT):])
        except ValueError as e:
            check(False, f"stdout line {i}: bad JSON ({e}): {line!r}")
            continue
        check(isinstance(rec, dict), f"stdout line {i}: record is not an object")
        records.append(rec)
    check(len(records) == answered, f"{len(records)} records for {answered} expected answers "
          f"({len(paths)} paths sent)")

    markers = err.count(MARKER)
    check(markers == answered, f"{markers} end markers on stderr, expected {answered}")

    statuses = dict(s.split("=", 1) for s in args.status)
    unknown = set(statuses) - set(paths)
    check(not unknown, f"--status for paths not sent: {sorted(unknown)}")
    totals = {"examples": 0, "failures": 0, "pending": 0}
    for path, rec in zip(paths, records):
        where = f"record for {path!r}"
        if "path" in rec or args.expect_path_key:
            check(rec.get("path") == path, f"{where}: path {rec.get('path')!r}")
        want = statuses.get(path, args.default_status)
        check(rec.get("status") == want, f"{where}: status {rec.get('status')!r}, expected {want!r}"
              + (f" (message: {rec.get('message')!r})" if rec.get("message") else ""))
        check(rec.get("status") in STATUSES, f"{where}: unknown status {rec.get('status')!r}")
        if rec.get("status") == "error":
            check(isinstance(rec.get("message"), str) and rec["message"].strip() != "",
                  f"{where}: status error without a message")
        # Optional (docs/protocol.md): the command adapter leaves timing to the master.
        d = rec.get("duration", 0)
        check(isinstance(d, (int, float)) and not isinstance(d, bool) and math.isfinite(d) and d >= 0,
              f"{where}: duration {d!r}")
        for key in ("examples", "failures", "pending", "errors"):
            v = rec.get(key, 0)
            check(isinstance(v, int) and not isinstance(v, bool) and v >= 0, f"{where}: {key} {v!r}")
        for key in totals:
            totals[key] += rec.get(key, 0) if isinstance(rec.get(key, 0), int) else 0
        cases = rec.get("cases", [])
        check(isinstance(cases, list), f"{where}: cases is not a list")
        for c in cases if isinstance(cases, list) else []:
            check(isinstance(c, dict) and isinstance(c.get("name"), str) and
                  c.get("status") in CASE_STATUSES, f"{where}: bad case {c!r}")
            if isinstance(c, dict) and c.get("location") is not None:
                check(isinstance(c["location"], str) and re.search(r":\d+$", c["location"]),
                      f"{where}: case location {c.get('location')!r} is not path:line")
        if isinstance(cases, list) and cases and rec.get("status") != "error":
            n_failed = sum(1 for c in cases if c.get("status") in ("failed", "error"))
            n_pending = sum(1 for c in cases if c.get("status") == "pending")
            check(n_failed <= rec.get("failures", 0) and n_pending <= rec.get("pending", 0),
                  f"{where}: cases ({n_failed} failed, {n_pending} pending) disagree with counts")

    for spec in args.min_duration:
        path, seconds = spec.split("=", 1)
        rec = dict(zip(paths, records)).get(path)
        check(rec is not None and rec.get("duration", 0) >= float(seconds),
              f"record for {path!r}: duration {rec and rec.get('duration')!r} < {seconds}")

    if args.expected:
        with open(args.expected) as f:
            want_line = [l for l in f if l.strip() and not l.startswith("#")][0]
        want = {k: int(v) for k, v in (kv.split("=") for kv in want_line.split())}
        check(totals == want, f"summed counts {totals} differ from EXPECTED {want}")

    if args.load_log:
        try:
            with open(args.load_log) as f:
                loads = [l for l in f.read().splitlines() if l.strip()]
        except FileNotFoundError:
            loads = []
        check(len(loads) == 1, f"project helper loaded {len(loads)} times, expected once: {loads}")

    if args.combined:
        # stdout and stderr of a second run in one file: each file's end marker must come
        # before its record, and its record before the next file's marker.
        with open(args.combined, "rb") as f:
            both = f.read()
        events = []
        for m in re.finditer(re.escape(MARKER) + b"|(?:^|(?<=\n))" + re.escape(RESULT.encode()), both):
            events.append("M" if m.group(0) == MARKER else "R")
        check("".join(events) == "MR" * answered,
              f"marker/record order in the combined stream is {''.join(events)!r}, "
              f"expected {'MR' * answered!r}")

    if failures:
        print(f"FAIL {args.name}:")
        for f_ in failures:
            print(f"  - {f_}")
        return 1
    print(f"ok   {args.name}: {len(records)} records, totals {totals}, {markers} markers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
