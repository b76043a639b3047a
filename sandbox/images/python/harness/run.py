"""Grade one submission inside the sandbox: read the job on stdin, run pytest, print a framed report.

The job is one JSON object on stdin: {"secret": str, "files": {name: text}, "tests": {path: text}}.
The report is printed last on stdout between two copies of the secret, so the host can tell it
from anything the learner's code prints. The host trusts nothing here without checking it.
"""

import json
import os
import sys
import traceback

WORK_DIR = "/tmp/work"
"""Where the learner's files and the tests are written (a size-limited tmpfs)."""

MESSAGE_LIMIT = 1500
"""Characters of a failure message kept per test; the host caps again for display."""

OUTPUT_LIMIT = 2000
"""Characters of captured output kept per test."""


def clip(text, limit):
    """Keep the start of text, marking that the rest was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + "\n… (cut)"


def write_files(root, files):
    """Write each file of the job under root, creating folders as needed."""
    for name, text in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


def syntax_error_of(root, names):
    """Compile each learner Python file; describe the first syntax error for a beginner."""
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
            return "\n".join(lines)
    return None


class Collector:
    """A pytest plugin that records each test's outcome and any collection error."""

    def __init__(self):
        self.tests = []
        self.collection_errors = []

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append({"id": report.nodeid, "message": clip(str(report.longrepr), MESSAGE_LIMIT)})

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and not report.passed):
            status = report.outcome if report.when == "call" else "error"
            if report.when == "setup" and report.skipped:
                status = "skipped"
            self.tests.append(
                {
                    "id": report.nodeid,
                    "status": status,
                    "message": self.message_of(report),
                    "output": clip(report.capstdout + report.capstderr, OUTPUT_LIMIT),
                }
            )

    def pytest_assertrepr_compare(self, op, left, right):
        # A beginner reads "got / expected" more easily than pytest's character diff.
        if op != "==":
            return None
        from _pytest._io.saferepr import saferepr

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


def grade(job):
    """Run the job's tests against the learner's files and return the report."""
    write_files(WORK_DIR, job["files"])
    write_files(os.path.join(WORK_DIR, "tests"), job["tests"])
    load_error = syntax_error_of(WORK_DIR, job["files"])
    if load_error:
        return {"load_error": load_error, "tests": [], "collection_errors": []}

    import pytest

    sys.path.insert(0, WORK_DIR)
    os.chdir(WORK_DIR)
    collector = Collector()
    pytest.main(
        [
            os.path.join(WORK_DIR, "tests"),
            "-c",
            "/opt/harness/pytest.ini",
            "--rootdir",
            WORK_DIR,
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "-q",
            "--no-header",
            "-rN",
        ],
        plugins=[collector],
    )
    return {"load_error": None, "tests": collector.tests, "collection_errors": collector.collection_errors}


def main():
    """Read the job, grade it, and print the framed report on the original stdout."""
    report_fd = os.dup(1)
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    secret = job["secret"]
    try:
        report = grade(job)
    except BaseException:
        report = {"harness_error": clip(traceback.format_exc(), MESSAGE_LIMIT)}
    framed = "\n" + secret + json.dumps(report) + secret + "\n"
    with os.fdopen(report_fd, "wb") as out:
        out.write(framed.encode("utf-8"))


if __name__ == "__main__":
    main()
