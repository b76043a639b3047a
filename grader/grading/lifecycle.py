"""The only place a submission's status or attempt changes.

    queued ──claim──▶ running ──store_verdict──▶ graded
      ▲                  │                         │
      ├──new_attempt─────┘ (the sandbox failed,     │
      │                     a worker died, Redis    │
      │                     lost the job)           │
      └──regrade_all───────────────────────────────┘ (the exercise changed; from any status)
    queued or running ──give_up──▶ graded, outcome infrastructure (after MAX_TRIES tries of ours)

Each new try gets a new attempt number, so a late result of an older attempt is never stored.
Every change is one conditional UPDATE on the id, attempt and status the caller read, and says
whether it changed the row: a regrade, a reconciler or a worker that moved it on first wins.
Callers commit, then put the new attempts on the queue (grader/grading/queue.py).

The same UPDATEs stamp the phases of the current attempt: queued_at when it is made (a new submission's
row is made with it), started_at at claim, finished_at and graded_at when its verdict is stored. A new
attempt clears started_at and finished_at, so a verdict's timestamps always belong to the attempt that
produced it: its wait excludes the earlier tries, whose time shows only in graded_at - created_at.
"""

import logging
import os
import socket
from datetime import datetime

from sqlalchemy import CursorResult, Update, delete, select, update
from sqlalchemy.orm import Session, object_session

from grader.grading.gains import rebuild_gains
from grader.grading.standings import rebuild_standing, touch_cohorts_of
from grader.grading.turns import lock_learners
from grader.grading.verdict import Verdict, infrastructure_failure
from grader.messages import Message, say
from grader.models import Exercise, Status, StoredVerdict, Submission, TestResult, utcnow

log = logging.getLogger(__name__)

MAX_TRIES = 5
"""Failed tries (ours, not the learner's) after which a submission is closed, charging the learner nothing."""

REGRADING_NOTICE = say("Not your fault: the grader had a problem running your code. It is being graded again.")
"""What the learner reads while a try that failed for reasons of ours waits for the next one."""

PAUSED_NOTICE = say(
    "Not your fault: the grader is paused for a moment. "
    "Your code is saved and will be checked as soon as the grader runs again."
)
"""What the learner reads while the sandbox cannot run at all (Docker restarting, the image being rebuilt)."""


def claim(session: Session, submission_id: int, attempt: int) -> Submission | None:
    """Mark this attempt running and return its row; None if it is not the current, waiting attempt."""
    # One conditional UPDATE, so two workers holding the same job cannot both claim it.
    claimed = _changed_one(
        session,
        update(Submission)
        .where(Submission.id == submission_id, Submission.attempt == attempt, Submission.status == Status.QUEUED)
        .values(status=Status.RUNNING, started_at=utcnow(), finished_at=None),
    )
    return session.get(Submission, submission_id) if claimed else None


def running(session: Session, submission_id: int, attempt: int) -> Submission | None:
    """The submission if this attempt still owns it; a reconciler may have started a newer one."""
    submission = session.get(Submission, submission_id)
    if submission is None or submission.attempt != attempt or submission.status != Status.RUNNING:
        return None
    return submission


def store_verdict(
    submission: Submission,
    verdict: Verdict,
    *,
    version: str | None,
    seconds: float | None,
    finished_at: datetime | None = None,
) -> bool:
    """Record a verdict on the submission, close it, and bring its progress up to date; False if it was not ours.

    finished_at: when the sandbox run ended (None: no run, as when the grader gives up).
    One conditional UPDATE on the attempt and status the caller read: a regrade or a reconciler that
    moved the submission on since (in another process) makes it change nothing, and nothing is stored.
    """
    session = object_session(submission)
    assert session is not None, "a verdict is stored through the session that read the submission"
    stored = _changed_one(
        session,
        _as_read(submission).values(
            status=Status.GRADED,
            outcome=verdict.outcome,
            score=verdict.score(),
            notice=verdict.notice.to_json() if verdict.notice else None,
            feedback=verdict.feedback,
            explanation=verdict.explanation,
            exercise_version=version,
            seconds=seconds,
            finished_at=finished_at,
            graded_at=utcnow(),
        ),
    )
    if not stored:
        return False
    session.add(
        StoredVerdict(submission_id=submission.id, attempt=submission.attempt, outcome=verdict.outcome, worker=_me())
    )
    session.execute(delete(TestResult).where(TestResult.submission_id == submission.id))  # a regrade's replace
    session.add_all(
        TestResult(
            submission_id=submission.id,
            position=position,
            name=test.name,
            description=test.description,
            hidden=test.hidden,
            status=test.status,
            message=test.message,
            output=test.output,
            hint=test.hint,
            explanation=test.explanation,
        )
        for position, test in enumerate(verdict.tests)
    )
    session.flush()
    session.expire(submission, ["results"])
    refresh_read_models(session, submission.user_id, submission.exercise_id)
    return True


def refresh_read_models(session: Session, user_id: int, exercise_id: int) -> None:
    """Bring the progress read models of one learner on one exercise in step with its graded submissions."""
    # Another worker may be storing a verdict of theirs right now, or a coach enrolling them: wait for it, and only
    # then read their cohorts, so one they just joined goes stale too.
    lock_learners(session, [user_id])
    touch_cohorts_of(session, [user_id])
    rebuild_gains(session, user_id, exercise_id)
    rebuild_standing(session, user_id, exercise_id)


def give_up(submission: Submission, reason: str) -> bool:
    """Close a submission the grader could not run after every try, charging the learner nothing; False if moved on."""
    verdict = infrastructure_failure(submission.exercise.manifest)
    closed = store_verdict(submission, verdict, version=None, seconds=None)
    if closed:
        log.warning("gave up on submission %d: %s", submission.id, reason)  # the reason is for staff, not the learner
    return closed


def new_attempt(submission: Submission, *, notice: Message | None = None, spend_try: bool = True) -> int | None:
    """Make the submission wait again as a new try (ours failed); the attempt to enqueue, or None if moved on.

    spend_try=False when no run could start at all (the sandbox was down): the try is not counted
    against MAX_TRIES. Conditional on the attempt and status the caller read, like store_verdict.
    """
    session = object_session(submission)
    assert session is not None, "a new attempt is made through the session that read the submission"
    values: dict[str, object] = {
        "tries": Submission.tries + (1 if spend_try else 0),
        "attempt": Submission.attempt + 1,
        "status": Status.QUEUED,
        "queued_at": utcnow(),
        "started_at": None,
        "finished_at": None,
    }
    if notice is not None:
        values |= {"notice": notice.to_json(), "feedback": ""}
    moved = _changed_one(
        session,
        _as_read(submission).values(values),
    )
    if not moved:
        return None
    session.refresh(submission, ["attempt", "tries", "status"])
    return submission.attempt


def regrade_all(session: Session, exercise: Exercise) -> list[tuple[int, int]]:
    """Give every submission of the exercise a new attempt at its current version; return (id, attempt) pairs.

    Submissions still waiting or running get a new attempt too, so a run against the old tests
    cannot store its result. One UPDATE raises every attempt at once; tries start again at zero.
    """
    session.execute(
        update(Submission)
        .where(Submission.exercise_id == exercise.id)
        .values(
            attempt=Submission.attempt + 1,
            status=Status.QUEUED,
            queued_at=utcnow(),
            started_at=None,
            finished_at=None,
            tries=0,
            regrades=Submission.regrades + 1,
            max_score=exercise.max_score,
        )
    )
    rows = session.execute(select(Submission.id, Submission.attempt).where(Submission.exercise_id == exercise.id))
    return [(submission_id, attempt) for submission_id, attempt in rows]


def _me() -> str:
    """Who stores a verdict, for the audit: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _as_read(submission: Submission) -> Update:
    """An UPDATE of the submission that changes it only if it still has the attempt and status the caller read."""
    return update(Submission).where(
        Submission.id == submission.id,
        Submission.attempt == submission.attempt,
        Submission.status == submission.status,
    )


def _changed_one(session: Session, statement: Update) -> bool:
    """Run a conditional UPDATE; whether it changed exactly one row (another process may have been first)."""
    result = session.execute(statement)
    return isinstance(result, CursorResult) and result.rowcount == 1
