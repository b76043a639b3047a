"""The Redis queue that carries grading jobs: ids only, never rows."""

from collections.abc import Iterable

from redis import Redis
from rq import Queue

JOB_TIMEOUT = 300
"""Seconds RQ lets one grading job run before it kills the job (the sandbox stops far sooner)."""


def grading_queue(redis_url: str, queue_name: str) -> Queue:
    """The queue of grading jobs on the given Redis."""
    return Queue(queue_name, connection=Redis.from_url(redis_url), default_timeout=JOB_TIMEOUT)


def job_id(submission_id: int, attempt: int) -> str:
    """The RQ job id of one attempt: the same attempt is never queued twice."""
    return f"submission-{submission_id}-{attempt}"


def enqueue_grading(queue: Queue, submission_id: int, attempt: int) -> None:
    """Queue one grading attempt of a submission; call it after the commit that made the attempt."""
    queue.enqueue(
        "grader.grading.jobs.grade_submission",
        submission_id,
        attempt,
        job_id=job_id(submission_id, attempt),
        result_ttl=0,
        failure_ttl=86_400,
    )


def enqueue_all(queue: Queue, attempts: Iterable[tuple[int, int]]) -> None:
    """Queue every (submission id, attempt) pair."""
    for submission_id, attempt in attempts:
        enqueue_grading(queue, submission_id, attempt)
