"""Turn what the host observed of one sandbox run into a verdict; never raises, never passes by default."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from grader.grading.explanations import VALUE_LIMIT, checked, hint_helps
from grader.messages import Message, say
from grader.models import Outcome, TestStatus
from sandbox.limits import Limits
from sandbox.report import RawRun

MESSAGE_LIMIT = 500
"""Characters of a test's message shown to the learner (as Exercism's test runners do)."""

OUTPUT_LIMIT = 500
"""Characters of a test's captured output shown to the learner."""

PARAMETER_SUFFIX = re.compile(r"\[.*\]$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class TestVerdict:
    """The result of one test of the manifest, ready for the learner's eyes."""

    __test__ = False  # not a pytest class

    name: str
    description: str
    hidden: bool
    status: TestStatus
    message: str
    output: str
    hint: str
    points: float
    explanation: dict | None = None
    """The mistake the harness named (grader/grading/explanations.py), checked; None when it named none."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of a run, what the grader says about it as a whole, Python's own words, and one entry per test."""

    outcome: Outcome
    notice: Message | None
    feedback: str
    """Python's words (a syntax error with its line, …), shown under the notice as they came."""
    tests: tuple[TestVerdict, ...]
    explanation: dict | None = None
    """The mistake that kept the code from loading, named by the harness and checked."""

    def score(self) -> float | None:
        """Points of the passed tests; none unless the code ran; no score at all when the grader failed."""
        if self.outcome == Outcome.INFRASTRUCTURE:
            return None
        if self.outcome not in (Outcome.PASSED, Outcome.FAILED):
            return 0.0
        return round(sum(test.points for test in self.tests if test.status == TestStatus.PASSED), 2)


def decide(raw: RawRun, manifest: list[dict], limits: Limits, files: Mapping[str, str] | None = None) -> Verdict:
    """Decide from the host's own observations first, then from a report that must match the manifest.

    The learner's files, when given, are where explanations must point (grader/grading/explanations.py).
    """
    try:
        return _decide(raw, manifest, limits, files)
    except Exception:  # a report shaped to break the host is a broken run, never a crash of the worker
        return _malformed(manifest)


def _decide(raw: RawRun, manifest: list[dict], limits: Limits, files: Mapping[str, str] | None) -> Verdict:
    if raw.oom_killed:
        return _without_results(
            Outcome.MEMORY,
            say("Your program used more than the %(limit)s MB of memory it may use.", limit=limits.memory_mb),
            manifest,
            explanation={"key": "memory", "values": {}},
        )
    if raw.timed_out:
        return _without_results(Outcome.TIMEOUT, _too_slow(limits), manifest)
    report = raw.report
    if report is None:
        return _without_results(Outcome.ERROR, _stopped_early(raw), manifest)
    if report.get("load_timeout") is True:
        return _without_results(
            Outcome.TIMEOUT,
            _too_slow(limits),
            manifest,
            explanation=checked(report.get("load_explanation"), files=files),
        )
    if report.get("call_timeout") is True:
        return _without_results(
            Outcome.TIMEOUT, _too_slow(limits), manifest, explanation=_where_time_ran_out(report, manifest, files)
        )
    if not isinstance(report.get("load_error", ""), str | None):
        return _malformed(manifest)
    if report.get("load_error"):
        return _without_results(
            Outcome.ERROR,
            say("Python could not read your code:"),
            manifest,
            _clip(report["load_error"], 1000),
            checked(report.get("load_explanation"), files=files),
        )
    if report.get("learner_died") is True:
        return _without_results(
            Outcome.ERROR,
            say("Your program stopped itself while the tests were running (os._exit or a kill?)."),
            manifest,
        )
    collection_errors = report.get("collection_errors")
    tests = report.get("tests")
    if not isinstance(collection_errors, list) or not isinstance(tests, list):
        return _malformed(manifest)
    if collection_errors:
        first = collection_errors[0] if isinstance(collection_errors[0], dict) else {}
        return _without_results(
            Outcome.ERROR,
            say("Your code could not be loaded:"),
            manifest,
            _essence(str(first.get("message", ""))),
            checked(first.get("explanation"), files=files),
        )
    by_id = _group_by_manifest_id(tests)
    if by_id is None or set(by_id) != {entry["id"] for entry in manifest}:
        return _malformed(manifest)
    verdicts = tuple(_test_verdict(entry, by_id[entry["id"]], files) for entry in manifest)
    passed = all(test.status == TestStatus.PASSED for test in verdicts)
    return Verdict(Outcome.PASSED if passed else Outcome.FAILED, None, "", verdicts)


def infrastructure_failure(manifest: list[dict]) -> Verdict:
    """The verdict when the sandbox itself failed every try: not the learner's fault; the reason is for the log."""
    return _without_results(
        Outcome.INFRASTRUCTURE,
        say(
            "Not your fault: the grader had a problem and could not run your code, so this counts for nothing. "
            "Your code is kept; please submit it again later."
        ),
        manifest,
    )


def _test_verdict(entry: dict, results: list[dict], files: Mapping[str, str] | None) -> TestVerdict:
    statuses = {result.get("status") for result in results}
    hidden = bool(entry["hidden"])
    if statuses <= {"passed"}:
        status, message, output, explanation = TestStatus.PASSED, "", "", None
    else:
        status = TestStatus.FAILED if "error" not in statuses else TestStatus.ERROR
        failing = next(result for result in results if result.get("status") != "passed")
        message, output = str(failing.get("message", "")), str(failing.get("output", ""))
        explanation = checked(failing.get("explanation"), files=files, hidden=hidden)
    # The author's hint fits a check that failed; when an error explains the failure, the explanation says more.
    with_hint = status == TestStatus.FAILED and entry.get("visibility") == "hidden-with-hint"
    hint = entry.get("hint", "") if with_hint and hint_helps(explanation) else ""
    return TestVerdict(
        name=entry["name"],
        description=entry["description"],
        hidden=hidden,
        status=status,
        # Hidden tests keep their values secret: the learner learns pass or fail, and the author's hint.
        message="" if hidden else _clip(message, MESSAGE_LIMIT),
        output="" if hidden else _clip(output, OUTPUT_LIMIT),
        hint=hint,
        points=float(entry.get("points") or 0.0),
        explanation=explanation,
    )


def _where_time_ran_out(report: dict, manifest: list[dict], files: Mapping[str, str] | None) -> dict | None:
    """The explanation of the test that was running when time ran out: the learner's line, and which test."""
    tests = report.get("tests")
    for test in tests if isinstance(tests, list) else []:
        if not isinstance(test, dict) or not isinstance(test.get("explanation"), dict):
            continue
        entry = next((e for e in manifest if e["id"] == PARAMETER_SUFFIX.sub("", str(test.get("id")))), None)
        found = checked(test["explanation"], files=files, hidden=entry is None or bool(entry["hidden"]))
        if found is not None and found["key"] == "too_slow":
            found["values"] = {}  # only the host names the test
            if entry is not None:
                found["values"]["test"] = str(entry["description"] or entry["name"])[:VALUE_LIMIT]
            return found
    return None


def _group_by_manifest_id(tests: list) -> dict[str, list[dict]] | None:
    """Group report entries by test function, folding parametrized cases together."""
    grouped: dict[str, list[dict]] = {}
    for test in tests:
        if not isinstance(test, dict) or not isinstance(test.get("id"), str):
            return None
        grouped.setdefault(PARAMETER_SUFFIX.sub("", test["id"]), []).append(test)
    return grouped


def _without_results(
    outcome: Outcome, notice: Message, manifest: list[dict], feedback: str = "", explanation: dict | None = None
) -> Verdict:
    tests = tuple(
        TestVerdict(
            entry["name"],
            entry["description"],
            bool(entry["hidden"]),
            TestStatus.NOT_RUN,
            "",
            "",
            "",
            float(entry.get("points") or 0.0),
        )
        for entry in manifest
    )
    return Verdict(outcome, notice, feedback, tests, explanation)


def _malformed(manifest: list[dict]) -> Verdict:
    return _without_results(
        Outcome.ERROR, say("The tests could not finish: your code may have stopped the test run early."), manifest
    )


def _too_slow(limits: Limits) -> Message:
    return say(
        "Your program ran for more than %(seconds)s seconds and was stopped. Look for a loop that never ends.",
        seconds=limits.wall_seconds,
    )


def _stopped_early(raw: RawRun) -> Message:
    if raw.exit_code:
        return say(
            "Your program stopped before the tests could finish (exit code %(code)s). "
            "Does your code call exit() or quit() outside a function?",
            code=raw.exit_code,
        )
    return say(
        "Your program stopped before the tests could finish. Does your code call exit() or quit() outside a function?"
    )


def _essence(longrepr: str) -> str:
    """Keep the lines of a pytest error report that name the problem (those marked 'E')."""
    lines = [line[1:].strip() for line in longrepr.splitlines() if line.startswith("E ")]
    return _clip("\n".join(lines) if lines else longrepr, 1000)


def _clip(text: str, limit: int) -> str:
    """Cut text to limit and make control characters (NUL, terminal escapes) visible and harmless."""
    text = CONTROL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", text)
    return text if len(text) <= limit else text[:limit] + " … (cut)"
