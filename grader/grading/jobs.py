"""The RQ job that grades one submission: claim it, run it in the sandbox, store the verdict."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from rq.timeouts import JobTimeoutException
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from grader import services as process_services
from grader.authoring.spec import limits_of
from grader.db import ended_for_another, error_text
from grader.grading import lifecycle
from grader.grading.queue import JOB_TIMEOUT, enqueue_grading
from grader.grading.verdict import Verdict, decide
from grader.models import utcnow
from grader.services import Services
from grader.settings import Settings
from sandbox import runner
from sandbox.health import sandbox_problem
from sandbox.limits import Limits
from sandbox.pool import Pool
from sandbox.report import RawRun, SandboxUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_BASE_SECONDS = 1.0
"""First pause before retrying a run the sandbox failed, within one job; it doubles on each retry."""

RETRY_DEADLINE_SECONDS = JOB_TIMEOUT / 2
"""No new try starts this long after the job's first: with one run's time added, the job ends well within
RQ's timeout, and so within the lease after which the reconciler presumes it dead."""

TRANSACTION_TRIES = 3
"""Times a job's transaction (a verdict stored, a new attempt, giving up) runs before the job fails: PostgreSQL
ends one side of a deadlock, and the next try gets through once the other side has committed (a failed job
waits for the reconciler, minutes later)."""

REQUEUE_BASE_SECONDS = 5.0
"""Seconds a submission whose tries all failed waits before its next job; doubles with each such job."""


class SandboxDown(SandboxUnavailable):
    """No sandbox can start at all (Docker down, the image missing): no fault of this submission's run."""


_pool: Pool | None = None
"""Sandboxes this process keeps started for its jobs; without one, each run starts its own."""


def use_pool(pool: Pool | None) -> None:
    """Run this process's jobs in the pool's started sandboxes (None: each run starts its own)."""
    global _pool
    _pool = pool


@dataclass(frozen=True)
class GradingJob:
    """Everything the sandbox needs, copied out of the database so no transaction stays open."""

    files: dict[str, str]
    tests: dict[str, str]
    manifest: list[dict]
    limits: Limits
    version: str


def grade_submission(submission_id: int, attempt: int) -> str:
    """Grade one attempt of a submission with this process's services (the RQ entry point)."""
    return grade(process_services.current(), submission_id, attempt)


def grade(services: Services, submission_id: int, attempt: int) -> str:
    """Claim the attempt, run it, store its verdict; say what happened in a few words."""
    job = _claim(services, submission_id, attempt)
    if job is None:
        return "stale"
    try:
        raw = _run_with_retries(job, services.settings)
    except SandboxDown as error:
        # Docker's own words go to the log; the learner reads that the grader is paused.
        log.warning("submission %d waits for the sandbox: %s", submission_id, error)
        return _try_again(services, submission_id, attempt, spent=False)
    except SandboxUnavailable as error:
        log.warning("submission %d: every try failed: %s", submission_id, error)
        return _try_again(services, submission_id, attempt, spent=True)
    finished_at = utcnow()
    verdict = decide(raw, job.manifest, job.limits, job.files)
    stored = store(
        services, submission_id, attempt, verdict, version=job.version, seconds=raw.seconds, finished_at=finished_at
    )
    if not stored:
        return "stale"  # a regrade or the reconciler moved it on since it was read: theirs to grade
    return "graded"


def store(
    services: Services,
    submission_id: int,
    attempt: int,
    verdict: Verdict,
    *,
    version: str,
    seconds: float,
    finished_at: datetime,
) -> bool:
    """Store the verdict if this attempt still runs; False if a regrade or the reconciler moved it on."""

    def stored(session: Session) -> bool:
        submission = lifecycle.running(session, submission_id, attempt)
        if submission is None:
            return False
        return lifecycle.store_verdict(submission, verdict, version=version, seconds=seconds, finished_at=finished_at)

    return _transaction(services, submission_id, stored)


def _transaction(services: Services, submission_id: int, body: Callable[[Session], T]) -> T:
    """Run body in a transaction, again if the database ended it to let another through (TRANSACTION_TRIES)."""
    tried = 1
    while True:
        try:
            with services.sessions.begin() as session:
                return body(session)
        except DBAPIError as error:
            if tried >= TRANSACTION_TRIES or not ended_for_another(error):
                raise
            state, words = getattr(error.orig, "sqlstate", ""), error_text(error)
            log.warning("submission %d: transaction ended (%s, %s); running it again", submission_id, state, words)
            tried += 1


def _claim(services: Services, submission_id: int, attempt: int) -> GradingJob | None:
    with services.sessions.begin() as session:
        submission = lifecycle.claim(session, submission_id, attempt)
        if submission is None:
            return None
        exercise = submission.exercise
        return GradingJob(
            files=dict(submission.files),
            tests=dict(exercise.tests),
            manifest=list(exercise.manifest),
            limits=limits_of(exercise.limits, services.settings.default_limits),
            version=exercise.version,
        )


def _run_with_retries(job: GradingJob, settings: Settings) -> RawRun:
    """Run in the sandbox, retrying with backoff when the sandbox itself fails, until a deadline.

    Raises SandboxDown as soon as a failure turns out to be Docker or the image being gone: trying
    again cannot help then, and the worker stops taking jobs until they are back.
    """
    failure = SandboxUnavailable("no try was made (grading_attempts is 0)")
    first_try = time.monotonic()
    for try_number in range(settings.grading_attempts):
        if try_number:
            pause = RETRY_BASE_SECONDS * 2 ** (try_number - 1)
            if time.monotonic() - first_try + pause > RETRY_DEADLINE_SECONDS:
                break
            time.sleep(pause)
        try:
            run = _pool.run if _pool is not None else runner.run
            return run(job.files, job.tests, job.limits, image=settings.sandbox_image, runtime=settings.sandbox_runtime)
        except SandboxUnavailable as error:
            failure = error
            log.warning("sandbox failed (try %d): %s", try_number + 1, error)
            if (problem := sandbox_problem(settings.sandbox_image)) is not None:
                raise SandboxDown(problem) from error
        except JobTimeoutException:
            raise  # RQ's own limit on the job: it ends the job, which the reconciler then tries again
        except Exception as error:  # a bug of ours must not leave the submission running forever
            failure = SandboxUnavailable(f"unexpected {type(error).__name__}: {error}")
            log.exception("grading failed (try %d)", try_number + 1)
    raise failure


def _try_again(services: Services, submission_id: int, attempt: int, *, spent: bool) -> str:
    """Give the submission a new attempt, telling the learner it is not their fault; or give up after MAX_TRIES.

    spent: the sandbox ran and failed, so the try counts and the next job waits longer each time.
    Otherwise no run could start: the try is free and the job waits in line for the sandbox to be back.
    """

    def move_on(session: Session) -> str | tuple[int, bool, int]:
        """What became of it in words, or the new attempt with whether a learner waits for it and the tries."""
        submission = lifecycle.running(session, submission_id, attempt)
        if submission is None:
            return "stale"
        if spent and submission.tries >= lifecycle.MAX_TRIES:
            return "given up" if lifecycle.give_up(submission, "every try failed") else "stale"
        waited_on, tries = submission.graded_at is None, submission.tries
        notice = lifecycle.REGRADING_NOTICE if spent else lifecycle.PAUSED_NOTICE
        next_attempt = lifecycle.new_attempt(submission, notice=notice, spend_try=spent)
        return "stale" if next_attempt is None else (next_attempt, waited_on, tries)

    moved = _transaction(services, submission_id, move_on)
    if isinstance(moved, str):
        return moved
    next_attempt, waited_on, tries = moved
    pause = REQUEUE_BASE_SECONDS * 2**tries if spent else 0.0
    enqueue_grading(services.queue, submission_id, next_attempt, later=not waited_on, after_seconds=pause)
    return "requeued" if spent else "waiting for the sandbox"
