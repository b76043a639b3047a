"""Grade one submission inside the sandbox: get ready, read the job on stdin, run pytest, print a framed report.

It starts as root with only CHOWN, SETUID and SETGID and gets ready before any job exists: it lays
out /tmp, starts the learner's process as LEARNER_UID (idle until told what to import), imports
pytest and its plugins, then prints READY. The job comes on stdin as its length in bytes on one
line, then one JSON object: {"secret": str, "files": {name: text}, "tests": {path: text},
"seconds": float}; once it has all of it, and the learner's process still waits, it prints RECEIVED,
writes the files and drops to TESTS_UID for good before any test runs. The learner's code never
runs in this process, cannot read the tests (mode 0700, another user), and cannot write the report,
which goes to the original stdout between two copies of the secret. The host still trusts nothing
here unchecked.
"""

import importlib
import json
import os
import socket
import subprocess
import sys
import time
import traceback

import pytest

sys.path.insert(0, "/opt/harness")

import explain  # the harness's own module, found through the line above

TESTS_UID = 10001
"""User that runs pytest and the tests."""

LEARNER_UID = 10002
"""User that runs the learner's code."""

LEARNER_DIR = "/tmp/learner"
"""The learner's files; readable by both users, writable by neither."""

TESTS_DIR = "/tmp/tests"
"""The tests; only TESTS_UID may read them."""

LEARNER_HOME = "/tmp/home"
"""The learner's working folder and the only place it may write."""

SHARED_DIR = "/tmp/shared"
"""Files the tests write for the learner's code to read (see proxy.shared_file)."""

TESTS_TMP = "/tmp/tests-tmp"
"""Temporary files of the tests' process (pytest's tmp_path)."""

REPORT_LIMIT = 300_000
"""Characters of messages and output the whole report may carry, shared by its tests."""

MESSAGE_LIMIT = 1500
"""Characters of a failure message kept per test; the host caps again for display."""

OUTPUT_LIMIT = 2000
"""Characters of captured output kept per test."""

RESERVED_MODULES = frozenset(
    {
        "pytest",
        "_pytest",
        "pluggy",
        "conftest",
        "grading",
        "plain",
        "plain_library",
        "explain",
        "wire",
        "crossing",
        "endpoint",
        "proxy",
        "tests_end",
        "sitecustomize",
        "usercustomize",
    }
)
"""Module names the harness and pytest use; a learner's file with such a name is not loaded."""

REPORT_MARGIN_SECONDS = 1.5
"""Time kept back from the run's limit so the report is written before the host kills the container."""

LEARNER_MARGIN_SECONDS = 0.3
"""The learner's code is interrupted this long before the tests' deadline, so its answer says which line it was on."""

READY = b"autograder-harness: ready\n"
"""Printed once everything a job does not need is done: the host may hand this sandbox a job."""

RECEIVED = b"autograder-harness: job received\n"
"""Printed once the whole job has come and the learner's process still waits: nothing of the learner's has run."""

JOB_FIELDS = {"secret": str, "files": dict, "tests": dict, "seconds": (int, float)}
"""What a job must hold, and of which type."""


def clip(text, limit):
    """Keep the start of text, marking that the rest was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + "\n… (cut)"


def write_files(root, files, owner, file_mode, dir_mode):
    """Write each file under root, then hand files and folders to owner (modes first: root has no FOWNER)."""
    folders = {root}
    os.makedirs(root, exist_ok=True)
    for name, text in files.items():
        path = os.path.join(root, name)
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        while folder != root:
            folders.add(folder)
            folder = os.path.dirname(folder)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, file_mode)
        os.chown(path, owner, owner)
    for folder in sorted(folders, reverse=True):
        os.chmod(folder, dir_mode)
        os.chown(folder, owner, owner)


def syntax_error_of(root, names):
    """Compile each learner file (nothing runs): Python's words for the first syntax error, and its explanation."""
    for name in sorted(names):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(root, name), encoding="utf-8") as handle:
            source = handle.read()
        try:
            compile(source, name, "exec")
        except SyntaxError as error:
            where = f"{name}, line {error.lineno}" if error.lineno else name
            lines = [f"{where}: {error.msg}"]
            if error.text:
                lines.append("    " + error.text.rstrip("\n"))
                if error.offset:
                    lines.append("    " + " " * (error.offset - 1) + "^")
            return "\n".join(lines), explain.of_syntax_error(error, name, source)
    return None, None


def lock_down_tmp():
    """Give each user its own writable folder, then make /tmp itself writable by no one.

    Otherwise the learner could plant files where pytest looks (a conftest.py, an __init__.py)
    or take the names of the tests' folders before they exist.
    """
    for path, owner, mode in (
        (LEARNER_HOME, LEARNER_UID, 0o755),
        (SHARED_DIR, TESTS_UID, 0o755),
        (TESTS_TMP, TESTS_UID, 0o700),
    ):
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
        os.chown(path, owner, owner)
    os.chmod("/tmp", 0o755)


def start_learner():
    """Start the learner's process as LEARNER_UID, idle until the job; return it and our end of the socket."""
    ours, theirs = socket.socketpair()
    home = LEARNER_HOME
    process = subprocess.Popen(
        ["/usr/bin/python3", "-I", "-B", "/opt/harness/learner_server.py", str(theirs.fileno())],
        user=LEARNER_UID,
        group=LEARNER_UID,
        extra_groups=[],
        pass_fds=[theirs.fileno()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=home,
        env={"HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
        start_new_session=True,
    )
    theirs.close()
    return process, ours


def warm_up():
    """Import now what every run needs later: the tests' side of the harness and pytest's own plugins."""
    import _pytest.config
    import proxy  # noqa: F401
    import tests_end  # noqa: F401

    for name in (*_pytest.config.essential_plugins, *_pytest.config.default_plugins):
        importlib.import_module(f"_pytest.{name}")


def drop_privileges():
    """Become TESTS_UID for good; setuid from root also clears every capability."""
    os.setgroups([])
    os.setgid(TESTS_UID)
    os.setuid(TESTS_UID)
    if os.getuid() != TESTS_UID or os.geteuid() != TESTS_UID:
        raise RuntimeError("could not drop privileges")


class Collector:
    """A pytest plugin that records each test's outcome and any collection error."""

    def __init__(self, end, public_names):
        self.end = end
        self.public_names = public_names
        self.tests = []
        self.collection_errors = []
        self.comparison = None
        self.explanations = {}

    def pytest_runtest_setup(self, item):
        self.end.failed_checks.clear()
        self.comparison = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        # What the test itself lends (not its fixtures) is taken back when it ends.
        self.end.in_test = True
        try:
            yield
        finally:
            self.end.in_test = False
            self.end.take_back()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        if call.excinfo is not None and call.when in ("setup", "call"):
            self.explanations[report.nodeid] = self.explanation_of(call.excinfo.value)
        if call.when == "call" and report.passed and self.end.failed_checks:
            # The learner's code caught a failed check of the test's own: the test still fails.
            first = self.end.failed_checks[0]
            report.outcome = "failed"
            report.longrepr = f"{type(first).__name__}: {first} (in a function the test gave your code)"

    def explanation_of(self, error):
        """Why a test failed in a beginner's words: the learner's exception, a missing name, or what came back."""
        import proxy

        found = error.__dict__.get("_explanation") if hasattr(error, "__dict__") else None
        if type(found) is dict:
            found = explain.flat(found)  # from the learner's process: flat, short and typed before it is kept
            return {name: value for name, value in found.items() if name != "assertion"} if found else None
        if isinstance(error, proxy.LearnerTimeout):
            return {"key": "too_slow"}  # the tests gave up waiting: not a failed check, so no hint
        if isinstance(error, proxy.LearnerGone):
            return None
        if isinstance(error, AssertionError):
            return (
                {**self.comparison, "assertion": True} if self.comparison else {"key": "assertion", "assertion": True}
            )
        if isinstance(error, (ImportError, AttributeError)):
            return explain.of_missing_name(explain.safe_str(error), self.public_names)
        return None

    def pytest_collectreport(self, report):
        if report.failed:
            message = clip(str(report.longrepr), MESSAGE_LIMIT)
            errors = (line for line in message.splitlines() if line.startswith("E "))  # pytest's error lines only
            explanation = next(
                filter(None, (explain.of_missing_name(line, self.public_names) for line in errors)), None
            )
            self.collection_errors.append({"id": report.nodeid, "message": message, "explanation": explanation})

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and not report.passed):
            status = report.outcome if report.when == "call" else "error"
            self.tests.append(
                {
                    "id": report.nodeid,
                    "status": status,
                    "message": self.message_of(report),
                    "output": clip(report.capstdout + report.capstderr, OUTPUT_LIMIT),
                    "explanation": self.explanations.get(report.nodeid),
                }
            )

    def pytest_assertrepr_compare(self, op, left, right):
        # A beginner reads "got / expected" more easily than pytest's character diff.
        if op != "==":
            return None
        import proxy
        from _pytest._io.saferepr import saferepr

        self.comparison = explain.of_comparison(left, right, lambda value: isinstance(value, proxy.Handle))
        if not any(isinstance(side, proxy.Handle) for side in (left, right)):
            # Both sides as text, for a visible test's side-by-side view (the host drops them for hidden tests).
            sides = {"got": saferepr(left, maxsize=300), "expected": saferepr(right, maxsize=300)}
            self.comparison = {**(self.comparison or {"key": "assertion"}), **sides}

        if isinstance(left, proxy.Handle) != isinstance(right, proxy.Handle):
            # The learner's object is never asked whether it equals a plain value: say what came instead.
            got, expected = (left, right) if isinstance(left, proxy.Handle) else (right, left)
            return [
                f"{proxy.what_it_is(left)} == {proxy.what_it_is(right)}",
                f"got:      {proxy.what_it_is(got)}, which the test cannot check",
                f"expected: {proxy.what_it_is(expected)}",
            ]
        return [
            f"{saferepr(left)} == {saferepr(right)}",
            f"got:      {saferepr(left, maxsize=300)}",
            f"expected: {saferepr(right, maxsize=300)}",
        ]

    @staticmethod
    def message_of(report):
        if report.passed:
            return ""
        crash = getattr(report.longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(report.longrepr)
        return clip(text, MESSAGE_LIMIT)


def fit_report(tests):
    """Shorten messages and output so the whole report stays within REPORT_LIMIT."""
    share = REPORT_LIMIT // max(1, len(tests))
    for test in tests:
        test["message"] = clip(test["message"], min(MESSAGE_LIMIT, share // 2))
        test["output"] = clip(test["output"], min(OUTPUT_LIMIT, share // 2))


def run_pytest(collector):
    # Visible tests first: by the time hidden tests call the learner's code, nothing it learns
    # from them can reach a message the learner sees.
    folders = [os.path.join(TESTS_DIR, name) for name in ("visible", "hidden")]
    pytest.main(
        [
            *[folder for folder in folders if os.path.isdir(folder)],
            "--noconftest",
            "-c",
            "/opt/harness/pytest.ini",
            "--rootdir",
            "/tmp",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "-q",
        ],
        plugins=[collector],
    )


def grade(job, started, sock):
    """Run the job's tests against the learner's files (the learner's process at the other end of sock)."""
    files = job["files"]
    deadline = started + max(0.5, float(job.get("seconds", 10)) - REPORT_MARGIN_SECONDS)
    write_files(LEARNER_DIR, files, 0, 0o644, 0o755)
    write_files(TESTS_DIR, job["tests"], TESTS_UID, 0o600, 0o700)
    load_error, explanation = syntax_error_of(LEARNER_DIR, files)
    if load_error:
        return {"load_error": load_error, "load_explanation": explanation, "tests": [], "collection_errors": []}
    # A file named like a module of Python or of the harness is never imported as the learner's.
    module_names = sorted(
        name[:-3]
        for name in files
        if name.endswith(".py") and name[:-3] not in sys.stdlib_module_names and name[:-3] not in RESERVED_MODULES
    )

    drop_privileges()
    import proxy
    import tests_end

    end = tests_end.TestsEnd(sock, deadline, TESTS_DIR)
    try:
        start = {"learner_dir": LEARNER_DIR, "modules": module_names, "deadline": deadline - LEARNER_MARGIN_SECONDS}
        end.connection.send(start, deadline)
        loaded = end.ready()
        if loaded.get("load_error"):
            error = loaded["load_error"]
            explanation = error.get("explain") if isinstance(error, dict) else None
            if isinstance(explanation, dict) and explanation.get("key") == "too_slow":
                return {
                    "load_timeout": True,
                    "load_explanation": explain.flat(explanation),
                    "tests": [],
                    "collection_errors": [],
                }
            where = f" ({error.get('where')})" if isinstance(error, dict) and error.get("where") else ""
            text = f"{error.get('type')}: {error.get('message')}{where}" if isinstance(error, dict) else str(error)
            explanation = error.get("explain") if isinstance(error, dict) else None
            return {
                "load_error": clip(text, MESSAGE_LIMIT),
                "load_explanation": explain.flat(explanation),
                "tests": [],
                "collection_errors": [],
            }
        proxy.install(end, loaded, module_names, SHARED_DIR)
    except proxy.LearnerTimeout:
        return {"load_timeout": True, "tests": [], "collection_errors": []}
    except proxy.LearnerGone as gone:
        return {"load_error": str(gone), "learner_died": True, "tests": [], "collection_errors": []}

    os.chdir("/tmp")
    os.environ["TMPDIR"] = TESTS_TMP
    public = loaded.get("public")
    collector = Collector(end, public if type(public) is dict else {})
    run_pytest(collector)
    fit_report(collector.tests)
    report = {"load_error": None, "tests": collector.tests, "collection_errors": collector.collection_errors}
    report["call_timeout"] = end.timed_out
    report["learner_died"] = end.died
    return report


def read_job(stream):
    """The job: its length on one line, then that many bytes of JSON; None if the host let this sandbox go."""
    header = stream.readline(32)
    try:
        size = int(header)
        job = json.loads(stream.read(size).decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(job, dict) or not all(isinstance(job.get(key), t) for key, t in JOB_FIELDS.items()):
        return None
    return job


def main():
    """Get ready, read the job, grade it, and print the framed report on the original stdout."""
    report_fd = os.dup(1)
    # Everything else printed here goes nowhere: pytest's terminal output quotes the tests' source.
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    lock_down_tmp()
    learner, sock = start_learner()
    warm_up()
    os.write(report_fd, READY)
    job = read_job(sys.stdin.buffer)
    if job is None or learner.poll() is not None:
        return  # no job, or the learner's process died while waiting: the host sees no RECEIVED and goes elsewhere
    started = time.monotonic()  # the run's time counts from here, as the host's clock does
    os.write(report_fd, RECEIVED)
    secret = job.pop("secret")
    try:
        report = grade(job, started, sock)
    except BaseException:
        report = {"harness_error": clip(traceback.format_exc(), MESSAGE_LIMIT)}
    framed = "\n" + secret + json.dumps(report) + secret + "\n"
    with os.fdopen(report_fd, "wb") as out:
        out.write(framed.encode("utf-8"))


if __name__ == "__main__":
    main()
