"""Keep the standings read model (one row per learner and exercise) in step with graded submissions."""

import re
from collections import Counter, defaultdict
from collections.abc import Collection

from sqlalchemy import ColumnElement, delete, insert, select, true, update
from sqlalchemy.orm import Session

from grader.messages import Message
from grader.models import (
    Cohort,
    Enrollment,
    Outcome,
    Standing,
    Submission,
    TestFailures,
    TestResult,
    TestStatus,
)

EXCEPTION_LINE = re.compile(r"^\w*(Error|Exception|Exit|Interrupt|Warning)\b.*|^[\w./-]+\.py, line \d+: .+")
"""A line of Python's words that names the error: 'NameError: …' or 'hello.py, line 3: …' (a syntax error)."""

WENT_WRONG = (Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.MEMORY)
"""Outcomes that are the learner's to fix (our own failures are not)."""


def rebuild_standing(session: Session, user_id: int, exercise_id: int) -> None:
    """Recompute one learner's standing on one exercise from its graded submissions (a regrade may change it)."""
    for table in (Standing, TestFailures):
        session.execute(delete(table).where(table.user_id == user_id, table.exercise_id == exercise_id))
    _insert(session, _standings(session, (Submission.user_id == user_id) & (Submission.exercise_id == exercise_id)))


def rebuild_all_standings(session: Session, user_ids: Collection[int] | None = None) -> int:
    """Recompute every pair's standing (or those of these learners) in a few queries; return how many pairs.

    Hold these learners first (grader.grading.turns); without user_ids, run only while nothing else writes (an upgrade).
    """
    for table in (Standing, TestFailures):
        session.execute(delete(table).where(table.user_id.in_(user_ids) if user_ids is not None else true()))
    rows = _standings(session, Submission.user_id.in_(user_ids) if user_ids is not None else true())
    _insert(session, rows)
    return len(rows)


def _insert(session: Session, rows: list[tuple[dict, list[dict]]]) -> None:
    """Insert standings and their test failures in two statements."""
    if rows:
        session.execute(insert(Standing), [standing for standing, _ in rows])
    failures = [failure for _, failed in rows for failure in failed]
    if failures:
        session.execute(insert(TestFailures), failures)


def _standings(session: Session, which: ColumnElement[bool]) -> list[tuple[dict, list[dict]]]:
    """The standing of every pair whose submissions match, with its test failures, as rows to insert."""
    attempts = session.execute(
        select(
            Submission.id,
            Submission.user_id,
            Submission.exercise_id,
            Submission.created_at,
            Submission.outcome,
            Submission.score,
            Submission.feedback,
            Submission.notice,
        )
        # A submission waiting for its regrade keeps its last outcome and counts until the new one comes.
        .where(which, Submission.outcome.is_not(None), Submission.outcome != Outcome.INFRASTRUCTURE)
        .order_by(Submission.created_at, Submission.id)
    ).all()
    by_pair: dict[tuple[int, int], list] = defaultdict(list)
    for row in attempts:
        by_pair[(row.user_id, row.exercise_id)].append(row)
    failed: dict[int, list[str]] = defaultdict(list)
    for submission_id, name, description in session.execute(
        select(TestResult.submission_id, TestResult.name, TestResult.description)
        .join(Submission, Submission.id == TestResult.submission_id)
        # Only where the tests ran to a verdict: older verdicts marked tests failed when the code did not load.
        .where(which, Submission.outcome == Outcome.FAILED)
        .where(TestResult.status.in_((TestStatus.FAILED, TestStatus.ERROR)))
    ):
        failed[submission_id].append((description or name)[:300])  # as long as the column
    return [_standing(pair, rows, failed) for pair, rows in by_pair.items()]


def _standing(pair: tuple[int, int], attempts: list, failed: dict[int, list[str]]) -> tuple[dict, list[dict]]:
    """One pair's row and its test failures, from its attempts in order and the tests that failed in each."""
    solved = next((number for number, row in enumerate(attempts, 1) if row.outcome == Outcome.PASSED), None)
    wrong = next((row for row in reversed(attempts) if row.outcome in WENT_WRONG), None)
    scores = [row.score for row in attempts if row.score is not None]
    failures = Counter(name for row in attempts[: solved or len(attempts)] for name in failed.get(row.id, ()))
    standing = {
        "user_id": pair[0],
        "exercise_id": pair[1],
        "attempts": len(attempts),
        "attempts_to_solve": solved,
        "first_at": attempts[0].created_at,
        "last_at": attempts[-1].created_at,
        "solved_at": attempts[solved - 1].created_at if solved else None,
        "best_score": max(scores) if scores else None,
        "last_outcome": attempts[-1].outcome,
        "last_error": said_of(wrong.feedback, wrong.notice) if wrong else "",
        "last_error_at": wrong.created_at if wrong else None,
    }
    by_test = [
        {"user_id": pair[0], "exercise_id": pair[1], "test": test, "failures": n} for test, n in failures.items()
    ]
    return standing, by_test


def touch_cohorts_of(session: Session, user_ids: Collection[int], *, also: int | None = None) -> None:
    """Mark the cohorts of these learners (and also that one) as changed, so cached pictures of them go stale."""
    which = Cohort.id.in_(select(Enrollment.cohort_id).where(Enrollment.user_id.in_(user_ids)))
    _move_generations(session, which | (Cohort.id == also) if also is not None else which)


def move_on(cohort: Cohort) -> None:
    """Move the cohort's generation on in the database itself: never from a number read earlier, which a worker
    storing a verdict meanwhile would make the same as an older picture's."""
    cohort.generation = Cohort.generation + 1  # an SQL expression, run at flush


def touch_cohort(session: Session, cohort_id: int | None = None) -> None:
    """Mark one cohort (or, without an id, every cohort) as changed."""
    _move_generations(session, Cohort.id == cohort_id if cohort_id is not None else true())


def _move_generations(session: Session, which: ColumnElement[bool]) -> None:
    """Move these cohorts' generation on, locking their rows in id order first (see grader.grading.turns).

    Lock every cohort a change needs in one call: two writers taking overlapping cohorts in the order an update
    happens to scan them, or one cohort and then the others, could each hold the row the other waits for.
    """
    session.execute(select(Cohort.id).where(which).order_by(Cohort.id).with_for_update(key_share=True))
    session.execute(update(Cohort).where(which).values(generation=Cohort.generation + 1))


def error_line(feedback: str, limit: int = 160) -> str:
    """The line of Python's words that says what went wrong, with the learner's line of code when one follows.

    Never the caret line under a syntax error, nor the grader's own heading above Python's words.
    """
    lines = [line for line in (feedback or "").splitlines() if line.strip()]
    for number, line in enumerate(lines):
        if EXCEPTION_LINE.match(line.strip()):
            said = line.strip()
            following = lines[number + 1] if number + 1 < len(lines) else ""
            if following.startswith((" ", "\t")) and following.strip().strip("^~ "):
                said = f"{said} — {following.strip()}"
            return said[:limit]
    meaningful = [line.strip() for line in lines if line.strip().strip("^~ ")]
    return meaningful[-1][:limit] if meaningful else ""


def said_of(feedback: str, notice: dict | None) -> str:
    """The error in words: Python's own, or the grader's notice (too slow, too much memory) when Python said nothing."""
    said = Message.from_json(notice)
    return error_line(feedback) or (str(said) if said else "")
