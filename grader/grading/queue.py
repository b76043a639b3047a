"""The Redis queue that carries grading jobs: ids only, never rows."""

from collections.abc import Iterable

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError
from redis.retry import Retry
from rq import Queue
from rq.serializers import JSONSerializer

JOB_TIMEOUT = 300
"""Seconds RQ lets one grading job run before it kills the job (the sandbox stops far sooner)."""

REDIS_RETRIES = 8
"""Tries of a Redis command that finds Redis restarting or still loading its data (about 6 s in all)."""

SERIALIZER = JSONSerializer
"""How jobs are written in Redis: JSON, not pickle, whose loading runs whatever code the bytes name. A job still
names the function a worker calls, so Redis must stay ours alone (bound to this host, or with a password).
Every worker reads with the queue's: SimpleWorker(..., serializer=queue.serializer)."""


def grading_queue(redis_url: str, queue_name: str) -> Queue:
    """The queue of grading jobs on the given Redis, whose commands wait out a Redis restart."""
    connection = Redis.from_url(
        redis_url,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.05), REDIS_RETRIES),
        retry_on_error=[BusyLoadingError, ConnectionError, TimeoutError],
    )
    return Queue(queue_name, connection=connection, default_timeout=JOB_TIMEOUT, serializer=SERIALIZER)


def job_id(queue_name: str, submission_id: int, attempt: int) -> str:
    """The RQ job id of one attempt: the same attempt is never queued twice.

    Job ids are global in Redis and every database numbers its submissions from 1: the queue's name keeps
    another installation on the same Redis from overwriting this one's job.
    """
    return f"{queue_name}-submission-{submission_id}-{attempt}"


def enqueue_grading(queue: Queue, submission_id: int, attempt: int) -> None:
    """Queue one grading attempt of a submission; call it after the commit that made the attempt."""
    queue.enqueue(
        "grader.grading.jobs.grade_submission",
        submission_id,
        attempt,
        job_id=job_id(queue.name, submission_id, attempt),
        result_ttl=0,
        failure_ttl=86_400,
    )


def enqueue_all(queue: Queue, attempts: Iterable[tuple[int, int]]) -> None:
    """Queue every (submission id, attempt) pair."""
    for submission_id, attempt in attempts:
        enqueue_grading(queue, submission_id, attempt)
