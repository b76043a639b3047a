"""The Redis queues that carry grading jobs: ids only, never rows.

Two queues, taken in order: first the submissions learners wait for (their first verdict),
then the rest (regrades after an exercise changed), so an author's regrade of hundreds of
submissions never makes a learner wait. Each learner has at most a few submissions in flight
(grader/grading/submissions.py), so no learner's burst fills the first queue either.
"""

from collections.abc import Iterable
from datetime import timedelta

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
Every worker reads with the queue's serializer (grader/grading/worker.py)."""


def grading_queue(redis_url: str, queue_name: str) -> Queue:
    """The queue of grading jobs on the given Redis, whose commands wait out a Redis restart."""
    connection = Redis.from_url(
        redis_url,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.05), REDIS_RETRIES),
        retry_on_error=[BusyLoadingError, ConnectionError, TimeoutError],
    )
    return Queue(queue_name, connection=connection, default_timeout=JOB_TIMEOUT, serializer=SERIALIZER)


GRADE = "grader.grading.jobs.grade_submission"
"""The job's function, by name: the queue never imports the sandbox."""

LATER_SUFFIX = "-later"
"""Name of the second queue: the first queue's name with this suffix."""


def queues_of(queue: Queue) -> list[Queue]:
    """The queues a worker takes jobs from, first to last: the given one, then its later queue."""
    return [queue, later_queue(queue)]


def later_queue(queue: Queue) -> Queue:
    """The queue of jobs no learner is waiting on, taken only when the first queue is empty."""
    return Queue(
        queue.name + LATER_SUFFIX,
        connection=queue.connection,
        default_timeout=JOB_TIMEOUT,
        serializer=queue.serializer,
    )


def job_id(queue: Queue, submission_id: int, attempt: int) -> str:
    """The RQ job id of one attempt: the same attempt is never queued twice.

    Job ids are global in Redis, so they carry the queue's name: two installations sharing a Redis
    (each with its own database, whose ids both start at 1) never overwrite each other's jobs.
    """
    return f"{queue.name}-submission-{submission_id}-{attempt}"


def enqueue_grading(
    queue: Queue, submission_id: int, attempt: int, *, later: bool = False, after_seconds: float = 0.0
) -> None:
    """Queue one grading attempt of a submission; call it after the commit that made the attempt.

    later: on the later queue (nobody waits on it). after_seconds: held back that long by RQ's scheduler.
    """
    target = later_queue(queue) if later else queue
    options: dict = {"job_id": job_id(queue, submission_id, attempt), "result_ttl": 0, "failure_ttl": 86_400}
    if after_seconds > 0:
        target.enqueue_in(timedelta(seconds=after_seconds), GRADE, submission_id, attempt, **options)
    else:
        target.enqueue(GRADE, submission_id, attempt, **options)


def enqueue_all(queue: Queue, attempts: Iterable[tuple[int, int]], *, later: bool = False) -> None:
    """Queue every (submission id, attempt) pair."""
    for submission_id, attempt in attempts:
        enqueue_grading(queue, submission_id, attempt, later=later)
