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
from rq.job import Job
from rq.scheduler import RQScheduler

from sandbox.health import sandbox_problem

log = logging.getLogger(__name__)

SANDBOX_DOWN = "waiting for the sandbox"
"""The worker's state in Redis while it takes no jobs because the sandbox cannot run."""

LONGEST_PAUSE_SECONDS = 10.0
"""Longest pause between two looks at a sandbox that cannot run."""

RELEASE_EVERY_SECONDS = 1.0
"""Seconds between two looks for held-back jobs whose pause is over."""


def release_due_jobs(queues: list[Queue]) -> None:
    """Put the held-back jobs of the queues whose pause is over back in line (one process at a time does it)."""
    scheduler = RQScheduler(queues, connection=queues[0].connection, serializer=queues[0].serializer)
    if scheduler.acquire_locks():
        try:
            scheduler.enqueue_scheduled_jobs()
        finally:
            scheduler.release_locks()


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
            except RedisError:
                log.warning("could not release held-back jobs; trying again", exc_info=True)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """Wait until the sandbox can run, then take the next job as RQ does."""
        self.wait_for_sandbox()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def wait_for_sandbox(self) -> None:
        """Return once the sandbox can run; until then, keep the worker alive in Redis and say why it waits."""
        pause = 0.5
        problem = sandbox_problem(self.image)
        if problem is None:
            return
        log.warning("taking no submissions until the sandbox can run: %s", problem)
        while problem is not None:
            self.set_state(SANDBOX_DOWN)
            self.heartbeat()
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
            problem = sandbox_problem(self.image)
        log.warning("the sandbox can run again: taking submissions")
