"""The RQ job that grades one submission: claim it, run it in the sandbox, store the verdict."""

import logging
import time
from dataclasses import dataclass

from rq.timeouts import JobTimeoutException

from grader import services as process_services
from grader.authoring.spec import limits_of
from grader.grading import lifecycle
from grader.grading.queue import enqueue_grading
from grader.grading.verdict import decide
from grader.services import Services
from grader.settings import Settings
from sandbox import runner
from sandbox.limits import Limits
from sandbox.pool import Pool
from sandbox.report import RawRun, SandboxUnavailable

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 1.0
"""First pause before retrying a run the sandbox failed; it doubles on each retry."""


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
    """Claim the attempt, run it, store its verdict; say what happened in one word."""
    job = _claim(services, submission_id, attempt)
    if job is None:
        return "stale"
    try:
        raw = _run_with_retries(job, services.settings)
    except SandboxUnavailable as error:
        return _retry_later(services, submission_id, attempt, str(error))
    verdict = decide(raw, job.manifest, job.limits, job.files)
    with services.sessions.begin() as session:
        submission = lifecycle.running(session, submission_id, attempt)
        if submission is None:
            return "stale"
        if not lifecycle.store_verdict(submission, verdict, version=job.version, seconds=raw.seconds):
            return "stale"  # a regrade or the reconciler moved it on since it was read: theirs to grade
    return "graded"


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
    """Run in the sandbox, retrying with backoff when the sandbox itself fails."""
    failure = SandboxUnavailable("no try was made (grading_attempts is 0)")
    for try_number in range(settings.grading_attempts):
        if try_number:
            time.sleep(RETRY_BASE_SECONDS * 2 ** (try_number - 1))
        try:
            run = _pool.run if _pool is not None else runner.run
            return run(job.files, job.tests, job.limits, image=settings.sandbox_image, runtime=settings.sandbox_runtime)
        except SandboxUnavailable as error:
            failure = error
            log.warning("sandbox failed (try %d): %s", try_number + 1, error)
        except JobTimeoutException:
            raise  # RQ's own limit on the job: it ends the job, which the reconciler then tries again
        except Exception as error:  # a bug of ours must not leave the submission running forever
            failure = SandboxUnavailable(f"unexpected {type(error).__name__}: {error}")
            log.exception("grading failed (try %d)", try_number + 1)
    raise failure


def _retry_later(services: Services, submission_id: int, attempt: int, reason: str) -> str:
    """Give the submission a new attempt (or give up after MAX_TRIES), telling the learner it is not their fault."""
    with services.sessions.begin() as session:
        submission = lifecycle.running(session, submission_id, attempt)
        if submission is None:
            return "stale"
        if submission.tries >= lifecycle.MAX_TRIES:
            return "given up" if lifecycle.give_up(submission, reason) else "stale"
        next_attempt = lifecycle.new_attempt(submission, notice=lifecycle.REGRADING_NOTICE)
    if next_attempt is None:
        return "stale"
    enqueue_grading(services.queue, submission_id, next_attempt)
    return "requeued"
