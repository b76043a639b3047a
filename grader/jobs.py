"""The RQ job that grades one submission: claim it, run it in the sandbox, store the verdict."""

import logging
import time
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from grader.catalog import limits_of
from grader.db import make_engine, make_sessionmaker
from grader.models import Status, Submission, TestResult, utcnow
from grader.queue import enqueue_grading
from grader.settings import Settings, load_settings
from grader.verdict import Verdict, decide, infrastructure_failure
from sandbox import runner
from sandbox.limits import Limits

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 1.0
"""First pause before retrying a run the sandbox failed; it doubles on each retry."""


@dataclass(frozen=True)
class GradingJob:
    """Everything the sandbox needs, copied out of the database so no transaction stays open."""

    files: dict[str, str]
    tests: dict[str, str]
    manifest: list[dict]
    limits: Limits
    isolation: str
    points: float
    version: str


@cache
def _process_sessions() -> tuple[Settings, sessionmaker[Session]]:
    settings = load_settings()
    return settings, make_sessionmaker(make_engine(settings.database_url))


def grade_submission(submission_id: int, attempt: int) -> str:
    """Grade one attempt of a submission with this process's settings (the RQ entry point)."""
    settings, sessions = _process_sessions()
    return grade(sessions, settings, submission_id, attempt)


def grade(sessions: sessionmaker[Session], settings: Settings, submission_id: int, attempt: int) -> str:
    """Claim the attempt, run it, store its verdict; say what happened in one word."""
    job = _claim(sessions, settings, submission_id, attempt)
    if job is None:
        return "stale"
    verdict, seconds = _run_with_retries(job, settings)
    return "graded" if _store(sessions, submission_id, attempt, job, verdict, seconds) else "stale"


def _claim(sessions, settings: Settings, submission_id: int, attempt: int) -> GradingJob | None:
    with sessions.begin() as session:
        submission = session.get(Submission, submission_id)
        # Only the current attempt of a waiting submission may run: a duplicate or late job is stale.
        if submission is None or submission.attempt != attempt or submission.status != Status.QUEUED:
            return None
        submission.status = Status.RUNNING
        submission.started_at = utcnow()
        exercise = submission.exercise
        return GradingJob(
            files=dict(submission.files),
            tests=dict(exercise.tests),
            manifest=list(exercise.manifest),
            limits=limits_of(exercise, settings.default_limits),
            isolation=exercise.isolation,
            points=exercise.max_score,
            version=exercise.version,
        )


def _run_with_retries(job: GradingJob, settings: Settings) -> tuple[Verdict, float | None]:
    reason = ""
    for try_number in range(settings.grading_attempts):
        if try_number:
            time.sleep(RETRY_BASE_SECONDS * 2 ** (try_number - 1))
        try:
            raw = runner.run(
                job.files,
                job.tests,
                job.limits,
                image=settings.sandbox_image,
                isolation=job.isolation,
                runtime=settings.sandbox_runtime,
            )
        except runner.SandboxUnavailable as error:
            reason = str(error)
            log.warning("sandbox failed (try %d): %s", try_number + 1, reason)
            continue
        except Exception as error:  # a bug of ours must not leave the submission running forever
            reason = f"unexpected {type(error).__name__}"
            log.exception("grading failed (try %d)", try_number + 1)
            continue
        return decide(raw, job.manifest, job.limits), raw.seconds
    return infrastructure_failure(job.manifest, reason), None


def _store(sessions, submission_id: int, attempt: int, job: GradingJob, verdict: Verdict, seconds) -> bool:
    with sessions.begin() as session:
        submission = session.get(Submission, submission_id)
        if submission is None or submission.attempt != attempt or submission.status != Status.RUNNING:
            return False
        submission.status = Status.GRADED
        submission.outcome = verdict.outcome
        submission.score = verdict.score(job.points)
        submission.feedback = verdict.feedback
        submission.exercise_version = job.version
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
            )
            for position, test in enumerate(verdict.tests)
        ]
        return True


def requeue_waiting(sessions: sessionmaker[Session], queue) -> int:
    """Queue again every submission still waiting, as after Redis lost its jobs; return how many."""
    with sessions() as session:
        waiting = session.execute(
            select(Submission.id, Submission.attempt).where(Submission.status == Status.QUEUED)
        ).all()
    for submission_id, attempt in waiting:
        enqueue_grading(queue, submission_id, attempt)
    return len(waiting)
