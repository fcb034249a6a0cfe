#!/usr/bin/env python3
"""distributest runner adapter for pytest (runner protocol v3, docs/protocol.md).

Started by templates/runners/pytest (which picks a Python that has pytest):

    pytest_runner.py [PYTEST OPTIONS...]

Run in the project root. One pytest session per runner, as a pytest-xdist worker has one:
configuration, plugins and conftests load once, pytest_sessionstart/pytest_sessionfinish run
once, session fixtures live until the runner ends. The session's collection is empty; each
path read on stdin is collected when it arrives and its tests run through pytest's own
pytest_runtest_protocol, then it is answered with one result record. A part of a file (a
work item naming node ids) is collected the same way and runs only the items it selects.
Extra arguments are pytest options (-m, -k, -x, --tb=short ...); -x/--maxfail count per file.

Self-contained on purpose: it runs on nodes that have the project and pytest, nothing else.
"""

import json
import os
import shutil
import sys
import tempfile
import time

END_MARKER = b"\x1edistributest:end\n"
PART_PREFIX = b"\x1f"
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
# pytest's fd capture points fd 2 at a temporary file while it collects or runs a test; the
# end marker must reach the real stderr whatever state capture is in.
_ERR_FD = os.dup(2)
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

_RUNNER_PID = os.getpid()
_START_DIR = os.getcwd()
_CACHE_DIR = None  # this runner's private pytest cache, removed when it ends


def _flush_std():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass


def _remove_cache_dir():
    if _CACHE_DIR:
        shutil.rmtree(_CACHE_DIR, True)


def _exit_at_once(code=0):
    """stdin ended or the master stopped reading: the master is gone or is ending this runner,
    so nothing is torn down (protocol v3: EOF means exit at once)."""
    _flush_std()
    _remove_cache_dir()
    os._exit(code)


def _leave_if_forked(code=0):
    """A test's forked child that exits or returns lands here too: it must end at once, with
    no record and no read of the next path, which belong to the runner alone."""
    if os.getpid() != _RUNNER_PID:
        _flush_std()
        os._exit(code if isinstance(code, int) else 1)


def emit(line):
    """The one writer of the protocol stream (the hello line and the records)."""
    _leave_if_forked()
    # Valid UTF-8 only: text from tests may hold surrogate-escaped bytes (a non-UTF-8 file
    # name or message), which would make the whole record unreadable; they become U+FFFD.
    try:
        data = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode("utf-8")
    except UnicodeEncodeError:
        data = line.encode("utf-8", "replace")
    try:
        PROTO_OUT.write(data + b"\n")
    except BrokenPipeError:
        _exit_at_once()


class Selection:
    """Which items of a file a part runs (docs/protocol.md, "Work items"): `only` the listed
    node ids, or all `except` them."""

    def __init__(self, kind, ids):
        self.only = kind == "only"
        self.ids = frozenset(ids)

    def runs(self, nodeid):
        return (nodeid in self.ids) == self.only

    def __str__(self):
        return f"{'only' if self.only else 'except'} {len(self.ids)} id{'' if len(self.ids) == 1 else 's'}"


def read_item():
    """The next work item as (path, selection, error): selection None for a whole file, error
    a message for a malformed part (answered with an error record; the runner goes on). None
    for the empty line (no more work). EOF exits at once."""
    raw = PROTO_IN.readline()
    if not raw:
        _exit_at_once()
    if raw == b"\n":
        return None
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if not raw.startswith(PART_PREFIX):
        return os.fsdecode(raw), None, None
    return parse_part(raw[len(PART_PREFIX):])


def parse_part(data):
    excerpt = text(data.decode("utf-8", "replace"), 200)
    try:
        spec = json.loads(data.decode("utf-8"))
    except ValueError as e:  # UnicodeDecodeError and json's JSONDecodeError are ValueErrors
        return "", None, f"malformed part (not JSON: {text(e, 200)}): {excerpt}"
    if not isinstance(spec, dict):
        return "", None, f"malformed part (not a JSON object): {excerpt}"
    path = spec.get("path")
    if not isinstance(path, str) or not path:
        return "", None, f'malformed part (no "path" string): {excerpt}'
    kinds = [k for k in ("only", "except") if k in spec]
    if len(kinds) != 1:
        return path, None, f'malformed part (needs exactly one of "only" and "except"): {excerpt}'
    ids = spec[kinds[0]]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return path, None, f'malformed part ("{kinds[0]}" must be an array of strings): {excerpt}'
    return path, Selection(kinds[0], ids), None


try:
    from setproctitle import setproctitle as _setproctitle
except ImportError:  # optional: without it `ps` shows the plain command line
    _setproctitle = None


def _title(state):
    """`ps` on a node says which file each runner is in, so a stuck test is easy to find."""
    if _setproctitle is not None:
        runner = os.environ.get("DISTRIBUTEST_RUNNER_ID", str(_RUNNER_PID))
        title = f"distributest pytest runner {runner}: {state}"
        # A path that is not UTF-8 arrives surrogate-escaped, which setproctitle refuses.
        _setproctitle(title.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


import pytest  # noqa: E402  (after the descriptors are in place: its import may print)

try:
    from _pytest import timing as _timing
except ImportError:  # pragma: no cover
    _timing = time
try:
    from _pytest.warnings import catch_warnings_for_item as _catch_warnings
except ImportError:  # pragma: no cover  (pytest < 6)
    _catch_warnings = None
try:
    from _pytest.assertion import assertstate_key as _assertstate_key
except ImportError:  # pragma: no cover
    _assertstate_key = None


def text(value, limit=MAX_TEXT):
    s = value if isinstance(value, str) else str(value)
    if len(s) > limit:
        s = s[:limit] + "\n[truncated]"
    return s


class Collector:
    """A pytest plugin gathering the outcome of the file being run (reset for each file).

    Counts follow pytest's own terminal summary: each report is classified with the
    pytest_report_teststatus hook (as the summary line does), so examples =
    passed + failed + error + skipped + xfailed + xpassed, failures = failed + error and
    pending = skipped + xfailed, exactly what a serial `pytest` prints.
    """

    COUNTED = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")

    def __init__(self):
        self.config = None
        self.reset()

    def reset(self, selection=None):
        self.stats = {}
        self.cases = {}
        self.order = []
        self.collect_errors = []
        self.counts_module_skip = selection is None or not selection.only

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
            case = {"id": report.nodeid, "name": report.nodeid, "location": location,
                    "status": "passed", "duration": 0.0}
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
        elif report.skipped and self.counts_module_skip:
            # A module-level skip: pytest's summary counts it as one skipped. It has no node id
            # a part could list, so it counts in whole files and `except` parts only.
            self.stats["skipped"] = self.stats.get("skipped", 0) + 1

    def record(self, path):
        stats = self.stats
        examples = sum(stats.get(k, 0) for k in self.COUNTED)
        failures = stats.get("failed", 0) + stats.get("error", 0)
        pending = stats.get("skipped", 0) + stats.get("xfailed", 0)
        record = {"status": "failed" if failures else "passed", "examples": examples,
                  "failures": failures, "pending": pending, "errors": 0,
                  "cases": [self.cases[n] for n in self.order]}
        if self.collect_errors:
            n = len(self.collect_errors)
            record.update(status="error", errors=n, failures=failures - n, examples=examples - n)
            record["message"] = text("\n\n".join(
                f"error collecting {r.nodeid or path}:\n{r.longreprtext}" for r in self.collect_errors))
        return record

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
    os.write(_ERR_FD, END_MARKER)
    emit(line)


class FileTerminal:
    """pytest's terminal reporter summarises once per session; here each file gets its own
    summary (FAILURES, ERRORS, short test summary, "1 failed, 2 passed in 0.05s") right after
    it runs, so a file's output on stderr, which the master keeps with the file's result,
    says what went wrong in it, as a serial `pytest FILE` would.

    Uses the reporter's summary methods and clears its per-run state after each file (so
    what was reported before the first file, config-time warnings, shows with the first);
    only attributes it has are reset, so another pytest version at worst keeps totals."""

    def __init__(self, config):
        self.tr = config.pluginmanager.get_plugin("terminalreporter")

    def _set(self, name, value):
        if hasattr(self.tr, name):
            setattr(self.tr, name, value)

    def begin(self):
        if self.tr is not None:
            self._set("_sessionstarttime", _timing.time())  # "in 0.05s" is the file's time

    def _clear(self):
        self.tr.stats = {}
        self._set("_numcollected", 0)
        self._set("_progress_nodeids_reported", set())
        self._set("currentfspath", None)
        self._set("_already_displayed_warnings", None)
        self._set("_main_color", None)
        self._set("_known_types", None)

    def summary(self, session, interrupted=None):
        tr = self.tr
        if tr is None:
            return
        try:
            self._summary(tr, session, interrupted)
        finally:
            self._clear()

    def _summary(self, tr, session, interrupted):
        tr._tw.line("")
        if not getattr(tr, "no_summary", False):
            tr.summary_errors()
            tr.summary_failures()
            tr.summary_warnings()
            tr.summary_passes()
            tr.short_test_summary()
            tr.summary_warnings()
        for stop in (interrupted, session.shouldfail, session.shouldstop):
            if stop:
                tr.write_sep("!", str(stop), red=True)
        tr.summary_stats()

    def quiet_final_stats(self):
        """After the last file the session's own summary line would say "no tests ran":
        untrue for a runner that ran files. It stays when something was reported since
        (a session fixture's teardown error), which is what it then counts."""
        if self.tr is not None and not self.tr.stats:
            self.tr.summary_stats = lambda: None


def _is_file_node(node):
    return isinstance(node, pytest.File) and not isinstance(node, pytest.Package)


def _kept_after_file(item):
    """The node whose chain stays set up after ITEM's file: everything above the file
    (the session and, for a package, its Package), so module and class fixtures end with
    their file and package fixtures live on until a file outside the package comes."""
    kept = item.session
    for node in item.listchain()[:-1]:
        if _is_file_node(node):
            break
        kept = node
    return kept


def _shared_with(session, chain):
    """The deepest node of what is set up now that CHAIN (the next item's) shares."""
    shared = session
    for have, want in zip(session._setupstate.stack, chain):
        if have is not want:
            break
        shared = have
    return shared


def _share_packages(session):
    """pytest builds new Package nodes for every collection; setup state tells nodes apart by
    identity, so a package collected again would look like a different one, and its package
    fixtures would be set up again for every file. Keep the first Package per __init__.py."""
    collectfile = session._collectfile
    packages = {}

    def _collectfile(fspath, handle_dupes=True):
        if fspath.name != "__init__.py":
            return collectfile(fspath, handle_dupes)
        if fspath not in packages:
            packages[fspath] = collectfile(fspath, handle_dupes)
        return packages[fspath]

    session._collectfile = _collectfile


def _rewrite_paths_of(session):
    """pytest rewrites the asserts of a module not named test_*.py when it is a path given to
    the session; the rewriter reads the session's paths once per set_session (which
    pytest_collection calls). Each file is a new path given, so it must read them again."""
    state = session.config.stash.get(_assertstate_key, None) if _assertstate_key else None
    if state is not None and state.hook is not None:
        state.hook.set_session(session)


class RunnerSession:
    """The plugin that turns the one session into the runner's loop (as xdist's worker
    turns its session into a loop on commands from its controller)."""

    def __init__(self, collector):
        self.collector = collector
        self.started = False
        self.teardown_errors = None  # what failed in the session's teardown, if it did
        self.last_item = None  # the item that set up what is still set up
        self.terminal = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection(self, session):
        """pytest's collection runs as usual (every plugin's hook, warnings and log capture)
        but over no paths: files are collected one at a time, as they arrive."""
        _share_packages(session)
        config = session.config
        args, config.args = config.args, []
        try:
            yield
        finally:
            config.args = args

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        self.terminal = FileTerminal(session.config)
        # Configuration, plugins, initial conftests and pytest_sessionstart are done: the
        # project loads, so the master may send work.
        emit("@distributest hello 3 pytest")
        self.started = True
        _title("idle")
        while True:
            item = read_item()
            if item is None:
                break
            path, selection, error = item
            started = time.monotonic()
            _title(f"{path} (part)" if selection else path)
            record = error_record(error) if error else self.run_path(session, path, selection)
            _leave_if_forked()
            finish(path, record, started)
            _title("idle")
        _title("session teardown")
        self.end_session(session)
        return True

    def run_path(self, session, path, selection=None):
        saved = (sys.stdout, sys.stderr)
        try:
            return self.run_file(session, path, selection)
        except SystemExit as e:
            _leave_if_forked(e.code)
            return error_record(f"the file called exit ({e.code!r}); the runner went on")
        except BaseException as e:  # the runner survives whatever one file does
            _leave_if_forked(1)
            import traceback
            message = "".join(traceback.format_exception(type(e), e, e.__traceback__))
            sys.stderr.write(message)
            return error_record("distributest pytest adapter: " + message)
        finally:
            sys.stdout, sys.stderr = saved

    def run_file(self, session, path, selection=None):
        if not os.path.exists(os.path.join(_START_DIR, path)):
            sys.stderr.write(f"ERROR: file or directory not found: {path}\n")
            return error_record(f"no such file: {path}")
        self.collector.reset(selection)
        self.terminal.begin()
        # -x/--maxfail/--sw stop the file, not the runner: the master runs the other files.
        session.testsfailed = 0
        session.shouldfail = session.shouldstop = False
        try:
            items = self.collect(session, path)
        except pytest.UsageError as e:  # e.g. no collector for this kind of file
            message = "\n".join(str(a) for a in e.args) or str(e)
            sys.stderr.write(f"ERROR: {message}\n")
            return error_record(message)
        if selection is not None:
            # A part: the file collected as a whole (its -k/-m deselection done), then only the
            # items it selects, which run_items treats as the whole list, so each item's
            # nextitem, and with it the module and class fixtures, follows the part.
            items = [item for item in items if selection.runs(item.nodeid)]
            session.testscollected = len(items)  # pytest's progress counts what runs
        aborted = note = None
        try:
            if self.collector.collect_errors and not session.config.option.continue_on_collection_errors:
                n = len(self.collector.collect_errors)  # as serial pytest: run none of it
                note = f"Interrupted: {n} error{'s' if n != 1 else ''} during collection"
            elif items:
                aborted = self.run_items(session, items)
        finally:
            self.terminal.summary(session, aborted or note)
        record = self.collector.record(path)
        if aborted:
            record.update(status="error", errors=record["errors"] + 1, message=text(aborted))
        return record

    @staticmethod
    def collect(session, path):
        """Collects one file as pytest_collection would: under pytest's warning filters
        (filterwarnings, -W), its warnings reported."""
        _rewrite_paths_of(session)
        if _catch_warnings is None:
            return session.perform_collect([path])
        with _catch_warnings(session.config, ihook=session.config.hook, when="collect", item=None):
            return session.perform_collect([path])

    def run_items(self, session, items):
        """Runs one file's items; returns why they stopped early, if they did (pytest.exit,
        an interrupt), the file's record then says so."""
        self.teardown_to(session, _shared_with(session, items[0].listchain()))
        try:
            for i, item in enumerate(items):
                nextitem = items[i + 1] if i + 1 < len(items) else _kept_after_file(item)
                self.last_item = item
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
                _leave_if_forked()
                if session.shouldfail or session.shouldstop:
                    break
        except pytest.exit.Exception as e:
            return f"pytest.exit() in this file: {e.msg}"
        except KeyboardInterrupt:
            return "interrupted"
        finally:
            # After the last item this is done already; after an early stop the rest of the
            # module is torn down now, so its teardown errors still land in this file.
            self.teardown_to(session, _kept_after_file(self.last_item))
        return None

    def teardown_to(self, session, node):
        """Tears down what is set up down to NODE (None: all of it), reporting an error
        the way pytest reports a teardown error: on the item whose teardown it is, the last
        one that ran (a package's fixtures end when the next file is outside the package, so
        such an error is reported in that next file's record, naming the item)."""
        if not session._setupstate.stack:
            return True
        def teardown():
            __tracebackhide__ = True  # the error's traceback starts in the user's code
            session._setupstate.teardown_exact(node)

        call = pytest.CallInfo.from_call(teardown, when="teardown",
                                         reraise=(pytest.exit.Exception, KeyboardInterrupt))
        if call.excinfo is None:
            return True
        item = self.last_item
        if item is None:  # set up without an item: cannot happen in pytest 7, say it loudly
            sys.stderr.write(str(call.excinfo.getrepr()) + "\n")
            return False
        report = item.ihook.pytest_runtest_makereport(item=item, call=call)
        item.ihook.pytest_runtest_logreport(report=report)
        return False

    def end_session(self, session):
        """The empty line: tear down what the last file left set up (its package, the
        session fixtures). pytest_sessionfinish and the rest of pytest's ending follow when
        this loop returns."""
        self.collector.reset()
        self.terminal.begin()
        session.testsfailed = 0
        session.shouldfail = session.shouldstop = False
        if not self.teardown_to(session, None):
            self.teardown_errors = [c.get("message", "") for c in self.collector.cases.values()]
        self.terminal.quiet_final_stats()


def _cache_args(user_args):
    """pytest's cache (the `cache` fixture, request.config.cache) in a private directory of this
    runner's, removed when it ends: runners never share or race on the project's .pytest_cache,
    and the project tree gets nothing new."""
    global _CACHE_DIR
    if any("cacheprovider" in a or "cache_dir" in a for a in user_args):
        return []  # the user's own choice
    import atexit
    _CACHE_DIR = tempfile.mkdtemp(prefix="distributest-pytest-cache.")
    atexit.register(_remove_cache_dir)
    return ["-o", "cache_dir=" + _CACHE_DIR]


def main():
    user_args = sys.argv[1:]
    collector = Collector()
    runner = RunnerSession(collector)
    args = ["-q"] + _cache_args(user_args) + user_args
    try:
        code = int(pytest.main(args, plugins=[collector, runner]))
    except SystemExit as e:
        _leave_if_forked(e.code)
        code = e.code if isinstance(e.code, int) else 1
    except Exception:  # pytest_sessionfinish or pytest_unconfigure raised: pytest lets it out
        _leave_if_forked(1)
        import traceback
        traceback.print_exc()
        code = 3
    _leave_if_forked(code)
    _flush_std()
    if not runner.started:
        # Before the hello line: the master reports the runner as failing to start, with
        # this stderr (a conftest that does not import, a failing pytest_sessionstart).
        sys.stderr.write(f"distributest: loading the project with pytest failed (exit code {code})\n")
        return 1
    if runner.teardown_errors is not None:
        sys.stderr.write("distributest: the pytest session's teardown after the last file failed "
                         "(session or package fixtures): " + "; ".join(runner.teardown_errors) + "\n")
        return 1
    if code not in (0, 5):
        sys.stderr.write(f"distributest: the pytest session ended with errors (exit code {code})\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
