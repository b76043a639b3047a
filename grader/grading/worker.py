"""The RQ worker that grades: it takes a job only while the sandbox can run one.

While Docker is down or the sandbox image is missing, every run would fail and use up the
submission's tries; the worker instead stops taking jobs, says so in its log and in its state in
Redis, and starts again by itself once the sandbox can run. It also releases the jobs held back
after failed tries once their pause is over (in a thread, so a killed worker leaves nothing behind).
"""

import logging
import threading
import time

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.utils import current_timestamp

from sandbox.health import sandbox_problem

log = logging.getLogger(__name__)

SANDBOX_DOWN = "waiting for the sandbox"
"""The worker's state in Redis while it takes no jobs because the sandbox cannot run."""

LONGEST_PAUSE_SECONDS = 10.0
"""Longest pause between two looks at a sandbox that cannot run."""

RELEASE_EVERY_SECONDS = 1.0
"""Seconds between two looks for held-back jobs whose pause is over."""


def release_due_jobs(queues: list[Queue]) -> int:
    """Put the held-back jobs whose pause is over back in line; how many this process released.

    Each job is taken out of the held-back set by one ZREM, so when several workers look at once
    exactly one of them releases it. A worker killed in between leaves the job in no line; the
    reconciler finds it (grader/grading/reconciler.py).
    """
    released = 0
    for queue in queues:
        held_back = ScheduledJobRegistry(queue=queue)
        for job_id in held_back.get_jobs_to_schedule(current_timestamp()):
            if not queue.connection.zrem(held_back.key, job_id):
                continue  # another worker released it first
            try:
                job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
            except NoSuchJobError:
                continue
            queue.enqueue_job(job)
            released += 1
    return released


class GradingWorker(SimpleWorker):
    """A worker that grades in its own process (trusted job code, no fork) and pauses while the sandbox is down."""

    def __init__(self, queues: list[Queue], *, image: str, **kwargs: object) -> None:
        # Jobs are read as the queue writes them (JSON; grader/grading/queue.py).
        super().__init__(queues, serializer=queues[0].serializer, **kwargs)  # type: ignore[arg-type]
        self.image = image

    def work(self, burst: bool = False, **options: object) -> bool:  # type: ignore[override]
        """Work as RQ does; release held-back jobs first, and then every second while not in burst mode."""
        release_due_jobs(self.queues)
        if not burst:
            threading.Thread(target=self._release_forever, name="releaser", daemon=True).start()
        return super().work(burst=burst, **options)  # type: ignore[arg-type]

    def _release_forever(self) -> None:
        while True:
            time.sleep(RELEASE_EVERY_SECONDS)
            try:
                release_due_jobs(self.queues)
            except Exception:  # Redis restarting, or a job that cannot be read: the next round tries again
                log.warning("could not release held-back jobs; trying again", exc_info=True)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """Wait until the sandbox can run, then take the next job as RQ does."""
        self.wait_for_sandbox(burst=timeout is None)
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def wait_for_sandbox(self, *, burst: bool = False) -> None:
        """Return once the sandbox can run; until then, keep the worker alive in Redis and say why it waits.

        In burst mode a worker with nothing to do stops at once, as RQ's burst workers do.
        """
        pause = 0.5
        problem = sandbox_problem(self.image)
        if problem is None:
            return
        log.warning("taking no submissions until the sandbox can run: %s", problem)
        while problem is not None:
            try:
                if burst and all(queue.count == 0 for queue in self.queues):
                    return
                self.set_state(SANDBOX_DOWN)
                self.heartbeat()
            except RedisError:  # Redis restarting too: this worker waits for both
                log.warning("Redis is not answering either; waiting", exc_info=True)
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
            problem = sandbox_problem(self.image)
        log.warning("the sandbox can run again: taking submissions")
