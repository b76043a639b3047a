"""The verdict is decided on the host: its own observations first, and no pass without a full report."""

from grader.authoring.reader import read_exercise
from grader.grading.verdict import decide
from grader.models import Outcome, TestStatus
from grader.settings import PROJECT_ROOT
from sandbox.limits import Limits
from sandbox.report import RawRun, extract_report

MANIFEST = read_exercise(PROJECT_ROOT / "exercises" / "hello-name").manifest
IDS = [entry["id"] for entry in MANIFEST]


def raw(report=None, *, timed_out=False, oom_killed=False, exit_code=0, problem="") -> RawRun:
    return RawRun(timed_out, oom_killed, exit_code, 0.3, report, problem, "")


def report(*statuses: str, messages=None) -> dict:
    messages = messages or ["boom"] * len(statuses)
    rows = zip(IDS, statuses, messages, strict=False)
    tests = [{"id": i, "status": s, "message": m, "output": "printed"} for i, s, m in rows]
    return {"load_error": None, "tests": tests, "collection_errors": []}


def test_all_tests_passing_is_a_pass_with_full_score():
    verdict = decide(raw(report("passed", "passed", "passed")), MANIFEST, Limits())
    assert verdict.outcome == Outcome.PASSED
    assert verdict.score() == 10


def test_one_failure_fails_and_scores_the_share_passed():
    verdict = decide(raw(report("failed", "passed", "passed", messages=["expected 1", "", ""])), MANIFEST, Limits())
    assert verdict.outcome == Outcome.FAILED
    assert verdict.tests[0].status == TestStatus.FAILED and verdict.tests[0].message == "expected 1"
    assert verdict.score() == 6.67


def test_hidden_tests_never_carry_their_message_or_output():
    verdict = decide(raw(report("passed", "failed", "failed")), MANIFEST, Limits())
    hidden = [test for test in verdict.tests if test.hidden]
    assert hidden and all(test.message == "" and test.output == "" for test in hidden)
    assert all(test.status == TestStatus.FAILED for test in hidden)


def test_timeout_and_memory_come_from_the_host_even_with_a_passing_report():
    passing = report("passed", "passed", "passed")
    assert decide(raw(passing, timed_out=True), MANIFEST, Limits()).outcome == Outcome.TIMEOUT
    assert decide(raw(passing, oom_killed=True), MANIFEST, Limits()).outcome == Outcome.MEMORY
    assert decide(raw(passing, timed_out=True), MANIFEST, Limits()).score() == 0


def test_missing_or_partial_report_is_an_error_never_a_pass():
    assert decide(raw(None, problem="no report"), MANIFEST, Limits()).outcome == Outcome.ERROR
    partial = report("passed", "passed")
    assert decide(raw(partial), MANIFEST, Limits()).outcome == Outcome.ERROR
    extra = report("passed", "passed", "passed")
    extra["tests"].append({"id": "tests/visible/test_x.py::test_made_up", "status": "passed"})
    assert decide(raw(extra), MANIFEST, Limits()).outcome == Outcome.ERROR


def test_malformed_reports_are_errors():
    for bad in ({"tests": "all passed"}, {"tests": [1, 2, 3], "collection_errors": []}, {"load_error": 5}):
        assert decide(raw(bad), MANIFEST, Limits()).outcome == Outcome.ERROR


def test_syntax_error_is_an_error_that_names_the_line():
    verdict = decide(raw({"load_error": "hello.py, line 2: invalid syntax"}), MANIFEST, Limits())
    assert verdict.outcome == Outcome.ERROR
    assert "line 2" in verdict.feedback
    assert all(test.status == TestStatus.NOT_RUN for test in verdict.tests)


def test_report_is_found_only_between_two_copies_of_the_secret():
    output = 'fake {"tests": []}\nSECRET{"tests": [], "collection_errors": []}SECRET\n'
    found, problem, rest = extract_report(output, "SECRET")
    assert found == {"tests": [], "collection_errors": []} and problem == ""
    assert "fake" in rest
    assert extract_report('{"tests": []}', "SECRET")[0] is None
    assert extract_report("SECRET{not json}SECRET", "SECRET")[1] == "the report is not valid JSON"
