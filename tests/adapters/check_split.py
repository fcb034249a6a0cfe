"""Checks an adapter's parts of a file (docs/protocol.md, "Work items": a line \\x1f + JSON
{"path": P, "only": [ids]} or {"path": P, "except": [ids]}) on one fixture file.

Called by test_adapters.sh; runs the adapter (cwd = the fixture directory) three times:

  whole      the file alone: its counts are EXPECTED's, every case has an id (none with
             --no-ids), ids are unique;
  parts      in one runner, an `only` part per --part, the `except` part listing all their
             ids and an `only` part naming an unknown id: the only parts run exactly their
             ids, the except part the rest, so every example runs once and the counts add up
             to the whole file's; the unknown-id part runs nothing and passes; the fixture's
             log ($FIXTURE_SUITE_LOG) has each --log EVENT=N N times (set-ups per part);
  malformed  in one runner, malformed part lines, each answered with an error record (for
             the part's path, or "" without one), then a valid part and the whole file, which
             still run right: the runner went on.

Prints what it checked; exits 1 with the reasons on any mismatch.
"""

import argparse
import collections
import json
import os
import subprocess
import sys

HELLO = "@distributest hello 3 "
RESULT = "@distributest result "
MARKER = b"\x1edistributest:end\n"
PART = "\x1f"
COUNTS = ("examples", "failures", "pending")


def part_line(path, kind, ids):
    return PART + json.dumps({"path": path, kind: ids}, ensure_ascii=False)


class Run:
    """One runner on the given work item lines (then the empty line: no more work)."""

    def __init__(self, args, label, lines):
        self.label = label
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.log = os.path.join(args.tmp, f"{args.name}.{label}.log")
        if os.path.exists(self.log):
            os.remove(self.log)
        env["FIXTURE_SUITE_LOG"] = self.log
        data = "".join(line + "\n" for line in lines) + "\n"
        with open(os.path.join(args.tmp, f"{args.name}.{label}.in"), "w", encoding="utf-8") as f:
            f.write(data)
        proc = subprocess.run([args.adapter], cwd=args.dir, input=data.encode("utf-8"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)
        with open(os.path.join(args.tmp, f"{args.name}.{label}.err"), "wb") as f:
            f.write(proc.stderr)
        self.rc = proc.returncode
        self.stderr = proc.stderr
        out = proc.stdout.decode("utf-8").split("\n")
        self.hello = out[0] if out else ""
        self.records = [json.loads(l[len(RESULT):]) for l in out[1:] if l.startswith(RESULT)]
        self.noise = [l for l in out[1:] if l and not l.startswith(RESULT)]

    def logged(self, event):
        try:
            with open(self.log, encoding="utf-8") as f:
                return sum(1 for l in f if l.rsplit(" ", 1)[0] == event)
        except FileNotFoundError:
            return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True, help="label for messages and files")
    ap.add_argument("--adapter", required=True, help="path of the adapter script")
    ap.add_argument("--adapter-name", required=True, help="the name in its hello line")
    ap.add_argument("--dir", required=True, help="the fixture directory (the runner's cwd)")
    ap.add_argument("--file", required=True, help="the file to cut into parts")
    ap.add_argument("--expected", help="EXPECTED file: examples=N failures=N pending=N")
    ap.add_argument("--counts", help="instead of --expected: 'examples=N failures=N pending=N'")
    ap.add_argument("--part", action="append", default=[], metavar="JSON_IDS",
                    help="the ids of one `only` part, as a JSON array")
    ap.add_argument("--log", action="append", default=[], metavar="EVENT=N",
                    help="the parts run logs EVENT N times")
    ap.add_argument("--no-ids", action="store_true", help="the file's cases have no id")
    ap.add_argument("--tmp", required=True, help="where the runs' input and stderr are kept")
    args = ap.parse_args()

    problems = []

    def check(cond, message):
        if not cond:
            problems.append(message)
        return cond

    def check_run(run, answers):
        check(run.hello == HELLO + args.adapter_name, f"{run.label}: hello line {run.hello!r}")
        check(not run.noise, f"{run.label}: stdout lines that are not records: {run.noise[:3]!r}")
        check(run.rc == 0, f"{run.label}: runner exit status {run.rc}, expected 0")
        check(len(run.records) == answers, f"{run.label}: {len(run.records)} records, expected {answers}")
        markers = run.stderr.count(MARKER)
        check(markers == answers, f"{run.label}: {markers} end markers, expected {answers}")

    def counts(rec):
        return {k: rec.get(k, 0) for k in COUNTS}

    if args.counts:
        want_line = args.counts
    else:
        with open(args.expected) as f:
            want_line = [l for l in f if l.strip() and not l.startswith("#")][0]
    expected = {k: int(v) for k, v in (kv.split("=") for kv in want_line.split())}

    # whole: the file as one work item
    whole = Run(args, "whole", [args.file])
    check_run(whole, 1)
    if not whole.records:
        return report(args.name, problems)
    rec = whole.records[0]
    check(counts(rec) == expected, f"whole: counts {counts(rec)}, EXPECTED {expected}")
    cases = rec.get("cases", [])
    check(len(cases) == expected["examples"], f"whole: {len(cases)} cases for {expected['examples']} examples")
    if args.no_ids:
        check(all("id" not in c for c in cases), f"whole: cases with an id: {[c for c in cases if 'id' in c]!r}")
    else:
        check(all(isinstance(c.get("id"), str) and c["id"] for c in cases),
              f"whole: cases without an id: {[c['name'] for c in cases if not c.get('id')]!r}")
    ids = [c.get("id") for c in cases]
    check(args.no_ids or len(set(ids)) == len(ids), f"whole: ids not unique: {ids!r}")

    # parts: the only parts, the except part, an only part with an unknown id
    only_parts = [json.loads(p) for p in args.part]
    listed = [i for p in only_parts for i in p]
    if not args.no_ids:
        unknown = [i for i in listed if i not in ids]
        check(not unknown, f"--part ids the file does not have: {unknown!r} (it has {ids!r})")
    lines = [part_line(args.file, "only", p) for p in only_parts]
    lines.append(part_line(args.file, "except", listed))
    lines.append(part_line(args.file, "only", ["no such id (it was renamed)"]))
    parts = Run(args, "parts", lines)
    check_run(parts, len(lines))
    key = "name" if args.no_ids else "id"
    if len(parts.records) == len(lines):
        total = collections.Counter()
        seen = collections.Counter()
        for i, prec in enumerate(parts.records[:-1]):
            what = f"parts: record {i + 1} ({'except' if i == len(only_parts) else 'only'})"
            check(prec.get("path") == args.file, f"{what}: path {prec.get('path')!r}")
            check(prec.get("status") in ("passed", "failed"), f"{what}: status {prec.get('status')!r} "
                  f"({prec.get('message', '')!r})")
            got = [c.get(key) for c in prec.get("cases", [])]
            check(prec.get("examples") == len(got), f"{what}: examples {prec.get('examples')} for {len(got)} cases")
            if i < len(only_parts) and not args.no_ids:
                check(sorted(got) == sorted(only_parts[i]), f"{what}: ran {got!r}, selected {only_parts[i]!r}")
            total.update(counts(prec))
            seen.update(got)
        everything = collections.Counter(c.get(key) for c in cases)
        check(seen == everything, f"parts: examples run {dict(seen)!r}, the file has each of "
              f"{dict(everything)!r} once")
        check({k: total[k] for k in COUNTS} == expected,
              f"parts: counts add up to {dict(total)}, the whole file's are {expected}")
        last = parts.records[-1]
        check(last.get("status") == "passed" and counts(last) == dict.fromkeys(COUNTS, 0)
              and not last.get("cases"), f"parts: the unknown-id part ran something: {last!r}")
    for spec in args.log:
        event, n = spec.rsplit("=", 1)
        got = parts.logged(event)
        check(got == int(n), f"parts: the fixture logged {event!r} {got} times, expected {n}")

    # malformed: error records, and the runner goes on
    bad = [
        (PART + '{"path": "' + args.file, ""),                      # not JSON
        (PART + '["not", "an", "object"]', ""),
        (PART + json.dumps({"only": []}), ""),                      # no path
        (PART + json.dumps({"path": args.file}), args.file),        # neither only nor except
        (PART + json.dumps({"path": args.file, "only": [], "except": []}), args.file),  # both
        (PART + json.dumps({"path": args.file, "only": "not a list"}), args.file),
        (PART + json.dumps({"path": args.file, "except": [1, 2]}), args.file),
    ]
    first = only_parts[0] if only_parts else []
    lines = [line for line, _ in bad] + [part_line(args.file, "only", first), args.file]
    malformed = Run(args, "malformed", lines)
    check_run(malformed, len(lines))
    if len(malformed.records) == len(lines):
        for (line, path), mrec in zip(bad, malformed.records):
            check(mrec.get("status") == "error" and "malformed part" in mrec.get("message", "")
                  and mrec.get("path") == path,
                  f"malformed: {line[1:]!r} got {mrec!r}, expected an error record for path {path!r}")
        after_part, after_whole = malformed.records[-2:]
        want_part = len(first) if not args.no_ids else 0
        check(after_part.get("examples") == want_part,
              f"malformed: the valid part after them ran {after_part.get('examples')} examples, expected {want_part}")
        check(counts(after_whole) == expected,
              f"malformed: the whole file after them counts {counts(after_whole)}, expected {expected}")

    if not problems:
        print(f"ok   {args.name}: {len(cases)} cases{' (no ids)' if args.no_ids else ' with ids'}, "
              f"{len(only_parts)} only parts + except run each once, unknown id runs none, "
              f"{len(bad)} malformed parts answered with errors")
    return report(args.name, problems)


def report(name, problems):
    if problems:
        print(f"FAIL {name}:")
        for p in problems:
            print(f"  - {p}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
