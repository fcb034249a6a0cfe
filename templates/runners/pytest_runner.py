#!/usr/bin/env python3
"""distributest runner adapter for pytest (runner protocol v1, docs/protocol.md).

Started by templates/runners/pytest (which picks a Python that has pytest):

    pytest_runner.py [PYTEST OPTIONS...]

Run in the project root. One interpreter per runner: pytest, the project's conftest.py files
and the modules they import load once; each path read on stdin then runs as its own
`pytest.main([...options, path])` session in this process, and is answered with one result
record. Extra arguments are pytest options (-m, -k, -x, --tb=short ...).
"""

import json
import os
import sys
import time

END_MARKER = b"\x1edistributest:end\n"
MAX_TEXT = 64 * 1024

# The protocol owns fd 1 and fd 0; everything else, including what tests, C extensions and
# subprocesses write to fd 1, goes to stderr. os.dup() gives non-inheritable descriptors, so
# child processes never hold the protocol pipes open.
try:
    sys.stdout.flush()
except Exception:
    pass
_PROTO_OUT_FD = os.dup(1)
_PROTO_IN_FD = os.dup(0)
os.dup2(2, 1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.close(_devnull)
try:  # fd 1 is now stderr: line buffering keeps stdout and stderr lines in order, as on a terminal
    sys.stdout.reconfigure(line_buffering=True)
except Exception:
    pass
PROTO_OUT = os.fdopen(_PROTO_OUT_FD, "wb", buffering=0)
PROTO_IN = os.fdopen(_PROTO_IN_FD, "rb")


def _flush_std():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass


def text(value, limit=MAX_TEXT):
    s = value if isinstance(value, str) else str(value)
    if len(s) > limit:
        s = s[:limit] + "\n[truncated]"
    return s


def write_line(line):
    # Valid UTF-8 only: text from tests may hold surrogate-escaped bytes (a non-UTF-8 file
    # name or message), which would make the whole record unreadable; they become U+FFFD.
    try:
        data = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode("utf-8")
    except UnicodeEncodeError:
        data = line.encode("utf-8", "replace")
    PROTO_OUT.write(data + b"\n")


import pytest  # noqa: E402  (after the descriptors are in place: its import may print)

try:
    import _pytest.config as _pytest_config
except Exception:  # pragma: no cover
    _pytest_config = None

# pytest removes a conftest module without __init__.py from sys.modules and imports it again
# in every session. Keep the first import of each conftest.py for the life of the runner, so
# a project's conftest (and whatever it sets up at import) loads once per runner, as a
# spec_helper does. Each session still registers it as a plugin, so its hooks and fixtures
# work as usual.
_conftest_cache = {}
if _pytest_config is not None and hasattr(_pytest_config, "import_path"):
    _original_import_path = _pytest_config.import_path

    def _import_path_once(path, *args, **kwargs):
        if os.path.basename(str(path)) != "conftest.py":
            return _original_import_path(path, *args, **kwargs)
        key = os.path.realpath(str(path))
        module = _conftest_cache.get(key)
        if module is None:
            module = _original_import_path(path, *args, **kwargs)
            _conftest_cache[key] = module
        else:
            sys.modules.setdefault(module.__name__, module)
        return module

    _pytest_config.import_path = _import_path_once


class Collector:
    """A pytest plugin gathering the outcome of one file's session.

    Counts follow pytest's own terminal summary: each report is classified with the
    pytest_report_teststatus hook (as the summary line does), so examples =
    passed + failed + error + skipped + xfailed + xpassed, failures = failed + error and
    pending = skipped + xfailed, exactly what a serial `pytest` prints.
    """

    COUNTED = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")

    def __init__(self):
        self.config = None
        self.stats = {}
        self.cases = {}
        self.order = []
        self.collect_errors = []
        self.internal_errors = []

    def pytest_configure(self, config):
        self.config = config

    def _category(self, report):
        try:
            res = self.config.hook.pytest_report_teststatus(report=report, config=self.config)
            category = res[0] if res else ""
        except Exception:
            category = report.outcome
            if report.when != "call" and report.failed:
                category = "error"
            elif report.when != "call" and report.passed:
                category = ""
        return category

    def pytest_runtest_logreport(self, report):
        category = self._category(report)
        if category in self.COUNTED:
            self.stats[category] = self.stats.get(category, 0) + 1
        case = self.cases.get(report.nodeid)
        if case is None:
            fspath, lineno, _ = report.location
            location = f"{fspath}:{lineno + 1}" if lineno is not None else fspath
            case = {"name": report.nodeid, "location": location, "status": "passed",
                    "duration": 0.0}
            self.cases[report.nodeid] = case
            self.order.append(report.nodeid)
        case["duration"] = round(case["duration"] + float(getattr(report, "duration", 0) or 0), 6)
        status = {"failed": "failed", "error": "error", "skipped": "pending",
                  "xfailed": "pending"}.get(category)
        rank = {"passed": 0, "pending": 1, "failed": 2, "error": 3}
        if status and rank[status] > rank[case["status"]]:
            case["status"] = status
            if status == "pending":
                case["message"] = text(self._skip_reason(report))
            else:
                case["message"] = text(self._crash_message(report))
                case["backtrace"] = text(report.longreprtext)

    def pytest_collectreport(self, report):
        if report.failed:
            self.stats["error"] = self.stats.get("error", 0) + 1
            self.collect_errors.append(report)
        elif report.skipped:
            # A module-level skip: pytest's summary counts it as one skipped.
            self.stats["skipped"] = self.stats.get("skipped", 0) + 1

    def pytest_internalerror(self, excrepr, excinfo):
        self.internal_errors.append(str(excrepr))

    @staticmethod
    def _skip_reason(report):
        if hasattr(report, "wasxfail"):
            return report.wasxfail or "xfail"
        longrepr = report.longrepr
        if isinstance(longrepr, tuple) and len(longrepr) == 3:
            return str(longrepr[2])
        return str(longrepr)

    @staticmethod
    def _crash_message(report):
        crash = getattr(report.longrepr, "reprcrash", None)
        if crash is not None and getattr(crash, "message", None):
            return crash.message
        lines = [l for l in report.longreprtext.splitlines() if l.startswith("E ")]
        return lines[-1][1:].strip() if lines else report.longreprtext.strip().split("\n")[-1]


class _NoCollection:
    """For the boot session: load the configuration and conftests, collect nothing."""

    def __init__(self):
        self.rootpath = None
        self.inipath = None

    def pytest_configure(self, config):
        self.rootpath = str(getattr(config, "rootpath", "") or config.rootdir)
        inipath = getattr(config, "inipath", None)
        self.inipath = str(inipath) if inipath else None

    def pytest_collection(self, session):
        return True


def _has_option(args, name):
    return any(a == name or a.startswith(name + "=") for a in args)


def _cache_args(user_args):
    """pytest's cache (the `cache` fixture, request.config.cache) in a private directory of this
    runner's, removed when it ends: runners never share or race on the project's .pytest_cache,
    and the project tree gets nothing new."""
    if any("cacheprovider" in a or "cache_dir" in a for a in user_args):
        return []  # the user's own choice
    import atexit
    import shutil
    import tempfile
    cache_dir = tempfile.mkdtemp(prefix="distributest-pytest-cache.")
    atexit.register(shutil.rmtree, cache_dir, True)
    return ["-o", "cache_dir=" + cache_dir]


def boot(user_args):
    """Loads pytest's configuration and the project's initial conftests once."""
    probe = _NoCollection()
    cache = _cache_args(user_args)
    args = ["-q"] + cache + ["--collect-only"] + user_args
    # pytest's "no tests collected" chatter is noise; keep it unless the boot fails.
    import tempfile
    with tempfile.TemporaryFile() as log:
        _flush_std()
        saved = os.dup(1), os.dup(2)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            code = int(pytest.main(args, plugins=[probe]))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        finally:
            _flush_std()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        if code not in (0, 5):
            log.seek(0)
            os.write(2, log.read())
            sys.stderr.write(f"distributest: loading the project with pytest failed (exit code {code})\n")
            sys.stderr.flush()
            sys.exit(1)
    per_file = ["-q"] + cache
    if not _has_option(user_args, "--rootdir") and probe.rootpath:
        # The rootdir a serial `pytest` run here would use, so node ids and locations are
        # relative to the same place whatever file a session gets.
        per_file.append("--rootdir=" + probe.rootpath)
    if not (_has_option(user_args, "-c") or _has_option(user_args, "--config-file")) and probe.inipath:
        # And its config file: pytest would otherwise look for one from each file's directory
        # up, and a tests/sub/pyproject.toml would apply to that file alone.
        per_file += ["-c", probe.inipath]
    return per_file + user_args


def run_file(path, base_args):
    if not os.path.exists(path):
        return error_record(f"no such file: {path}")
    collector = Collector()
    code = pytest.main(base_args + ["--", path], plugins=[collector])
    code = int(code)
    stats = collector.stats
    examples = sum(stats.get(k, 0) for k in Collector.COUNTED)
    failures = stats.get("failed", 0) + stats.get("error", 0)
    pending = stats.get("skipped", 0) + stats.get("xfailed", 0)
    record = {"examples": examples, "failures": failures, "pending": pending, "errors": 0,
              "cases": [collector.cases[n] for n in collector.order]}
    if collector.collect_errors:
        record.update(status="error", errors=len(collector.collect_errors))
        record["failures"] = failures - len(collector.collect_errors)
        record["examples"] = examples - len(collector.collect_errors)
        record["message"] = text("\n\n".join(
            f"error collecting {r.nodeid or path}:\n{r.longreprtext}" for r in collector.collect_errors))
    elif collector.internal_errors or code in (3, 4):
        record.update(status="error", errors=1)
        record["message"] = text("\n".join(collector.internal_errors)
                                 or f"pytest exited with code {code}")
    elif failures:
        record["status"] = "failed"
    elif code == 2:
        record.update(status="error", errors=1, message="pytest was interrupted")
    else:
        record["status"] = "passed"  # 0, or 5: no tests collected
    return record


def error_record(message):
    return {"status": "error", "examples": 0, "failures": 0, "pending": 0, "errors": 1,
            "message": text(message)}


# The master refuses a record over 64 MiB (docs/protocol.md; characters here, so a margin).
# Each text is capped, but thousands of failing tests can still add up: shed backtraces, then
# long messages, then per-test details, never the counts.
MAX_RECORD = 16 * 1024 * 1024


def _slimmed(record):
    def size(r):
        return len(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
    record = dict(record)
    record["cases"] = [{k: v for k, v in c.items() if k != "backtrace"}
                       for c in record.get("cases", [])]
    if size(record) <= MAX_RECORD:
        return record
    record["cases"] = [dict(c, message=text(c["message"], 1024)) if "message" in c else c
                       for c in record["cases"]]
    if size(record) <= MAX_RECORD:
        return record
    record["cases"] = record["cases"][:1000]
    return record


def finish(path, record, started):
    out = {"path": path}
    out.update(record)
    out["duration"] = round(time.monotonic() - started, 6)
    line = "@distributest result " + json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    if len(line) > MAX_RECORD:
        line = "@distributest result " + json.dumps(_slimmed(out), ensure_ascii=False,
                                                     separators=(",", ":"))
    _flush_std()
    os.write(2, END_MARKER)
    write_line(line)


def _leave_if_forked(code=0):
    """A test's forked child that exits or returns lands here too: it must end at once, with
    no record and no read of the next path, which belong to the runner alone."""
    if os.getpid() != _RUNNER_PID:
        _flush_std()
        os._exit(code if isinstance(code, int) else 1)


_RUNNER_PID = os.getpid()


def main():
    base_args = boot(sys.argv[1:])
    write_line("@distributest hello 2 pytest")
    while True:
        raw = PROTO_IN.readline()
        if not raw or raw == b"\n":  # EOF, or an empty line: no more work
            break
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        path = os.fsdecode(raw)
        started = time.monotonic()
        saved = (sys.stdout, sys.stderr)
        try:
            record = run_file(path, base_args)
        except SystemExit as e:
            _leave_if_forked(e.code)
            record = error_record(f"the file called exit ({e.code!r}); the runner went on")
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # the runner survives whatever one file does
            import traceback
            record = error_record("distributest pytest adapter: " + "".join(
                traceback.format_exception(type(e), e, e.__traceback__)))
        finally:
            sys.stdout, sys.stderr = saved
        _leave_if_forked()
        finish(path, record, started)
    _flush_std()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        os._exit(0)
