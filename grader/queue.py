"""The Redis queue that carries grading jobs: ids only, never rows."""

from redis import Redis
from rq import Queue

JOB_TIMEOUT = 300
"""Seconds RQ lets one grading job run before it kills the job (the sandbox stops far sooner)."""


def grading_queue(redis_url: str, queue_name: str) -> Queue:
    """The queue of grading jobs on the given Redis."""
    return Queue(queue_name, connection=Redis.from_url(redis_url), default_timeout=JOB_TIMEOUT)


def enqueue_grading(queue: Queue, submission_id: int, attempt: int) -> None:
    """Queue one grading attempt of a submission; the same attempt is never queued twice."""
    queue.enqueue(
        "grader.jobs.grade_submission",
        submission_id,
        attempt,
        job_id=f"submission-{submission_id}-{attempt}",
        result_ttl=0,
        failure_ttl=86_400,
    )
