"""The RQ job that grades one submission: claim it, run it in the sandbox, store the verdict."""

import logging
import time
from dataclasses import dataclass
from functools import cache

from rq import Queue, get_current_job
from sqlalchemy import update
from sqlalchemy.orm import Session, object_session, sessionmaker

from grader.catalog import limits_of
from grader.db import make_engine, make_sessionmaker
from grader.gains import rebuild_gains
from grader.models import Status, Submission, TestResult, utcnow
from grader.queue import enqueue_grading
from grader.settings import Settings, load_settings
from grader.verdict import Verdict, decide, infrastructure_failure
from sandbox import runner
from sandbox.limits import Limits

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 1.0
"""First pause before retrying a run the sandbox failed; it doubles on each retry."""

MAX_TRIES = 5
"""Failed tries (ours, not the learner's) after which a submission is closed, charging the learner nothing."""

REGRADING_NOTICE = "Not your fault: the grader had a problem running your code. It is being graded again."


@dataclass(frozen=True)
class GradingJob:
    """Everything the sandbox needs, copied out of the database so no transaction stays open."""

    files: dict[str, str]
    tests: dict[str, str]
    manifest: list[dict]
    limits: Limits
    isolation: str
    version: str


@cache
def _process_sessions() -> tuple[Settings, sessionmaker[Session]]:
    settings = load_settings()
    return settings, make_sessionmaker(make_engine(settings.database_url))


def grade_submission(submission_id: int, attempt: int) -> str:
    """Grade one attempt of a submission with this process's settings (the RQ entry point)."""
    settings, sessions = _process_sessions()
    current = get_current_job()
    queue = Queue(current.origin, connection=current.connection) if current else None
    return grade(sessions, settings, submission_id, attempt, queue=queue)


def grade(
    sessions: sessionmaker[Session], settings: Settings, submission_id: int, attempt: int, *, queue: Queue | None
) -> str:
    """Claim the attempt, run it, store its verdict; say what happened in one word."""
    job = _claim(sessions, settings, submission_id, attempt)
    if job is None:
        return "stale"
    try:
        raw = _run_with_retries(job, settings)
    except runner.SandboxUnavailable as error:
        return _retry_later(sessions, queue, submission_id, attempt, str(error))
    verdict = decide(raw, job.manifest, job.limits)
    with sessions.begin() as session:
        submission = _current(session, submission_id, attempt)
        if submission is None:
            return "stale"
        apply_verdict(submission, verdict, version=job.version, seconds=raw.seconds)
    return "graded"


def apply_verdict(submission: Submission, verdict: Verdict, *, version: str | None, seconds) -> None:
    """Record a verdict on the submission row and close it."""
    submission.status = Status.GRADED
    submission.outcome = verdict.outcome
    submission.score = verdict.score()
    submission.feedback = verdict.feedback
    submission.exercise_version = version
    submission.seconds = seconds
    submission.graded_at = utcnow()
    submission.results = [
        TestResult(
            position=position,
            name=test.name,
            description=test.description,
            hidden=test.hidden,
            status=test.status,
            message=test.message,
            output=test.output,
            hint=test.hint,
        )
        for position, test in enumerate(verdict.tests)
    ]
    session = object_session(submission)
    if session is not None:
        session.flush()
        rebuild_gains(session, submission.user_id, submission.exercise_id)


def give_up(submission: Submission, reason: str) -> None:
    """Close a submission the grader could not run after every attempt, charging the learner nothing."""
    verdict = infrastructure_failure(submission.exercise.manifest, reason)
    apply_verdict(submission, verdict, version=None, seconds=None)


def _claim(sessions, settings: Settings, submission_id: int, attempt: int) -> GradingJob | None:
    with sessions.begin() as session:
        # One conditional UPDATE, so two workers holding the same job cannot both claim it:
        # only the current attempt of a waiting submission may run; anything else is stale.
        claimed = session.execute(
            update(Submission)
            .where(Submission.id == submission_id, Submission.attempt == attempt, Submission.status == Status.QUEUED)
            .values(status=Status.RUNNING, started_at=utcnow())
        ).rowcount
        if claimed != 1:
            return None
        submission = session.get(Submission, submission_id)
        exercise = submission.exercise
        return GradingJob(
            files=dict(submission.files),
            tests=dict(exercise.tests),
            manifest=list(exercise.manifest),
            limits=limits_of(exercise.limits, settings.default_limits),
            isolation=exercise.isolation,
            version=exercise.version,
        )


def _current(session: Session, submission_id: int, attempt: int) -> Submission | None:
    """The submission if this attempt still owns it; a reconciler may have started a newer one."""
    submission = session.get(Submission, submission_id)
    if submission is None or submission.attempt != attempt or submission.status != Status.RUNNING:
        return None
    return submission


def _run_with_retries(job: GradingJob, settings: Settings) -> runner.RawRun:
    """Run in the sandbox, retrying with backoff when the sandbox itself fails."""
    for try_number in range(settings.grading_attempts):
        if try_number:
            time.sleep(RETRY_BASE_SECONDS * 2 ** (try_number - 1))
        try:
            return runner.run(
                job.files,
                job.tests,
                job.limits,
                image=settings.sandbox_image,
                isolation=job.isolation,
                runtime=settings.sandbox_runtime,
            )
        except runner.SandboxUnavailable as error:
            failure = error
            log.warning("sandbox failed (try %d): %s", try_number + 1, error)
        except Exception as error:  # a bug of ours must not leave the submission running forever
            failure = runner.SandboxUnavailable(f"unexpected {type(error).__name__}: {error}")
            log.exception("grading failed (try %d)", try_number + 1)
    raise failure


def _retry_later(sessions, queue: Queue | None, submission_id: int, attempt: int, reason: str) -> str:
    """Give the submission a new attempt (or give up after MAX_TRIES), telling the learner it is not their fault."""
    with sessions.begin() as session:
        submission = _current(session, submission_id, attempt)
        if submission is None:
            return "stale"
        if submission.tries >= MAX_TRIES or queue is None:
            give_up(submission, reason)
            return "given up"
        submission.tries += 1
        submission.attempt += 1
        submission.status = Status.QUEUED
        submission.started_at = None
        submission.feedback = REGRADING_NOTICE
        next_attempt = submission.attempt
    enqueue_grading(queue, submission_id, next_attempt)
    return "requeued"
