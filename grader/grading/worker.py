"""The RQ worker that grades: it takes a job only while the sandbox can run one.

While Docker is down or the sandbox image is missing, every run would fail and use up the
submission's tries; the worker instead stops taking jobs, says so in its log and in its state in
Redis, and starts again by itself once the sandbox can run. It also releases the jobs held back
after failed tries once their pause is over (in a thread, so a killed worker leaves nothing behind), and
publishes which Docker, image, runtime and pool it uses (grader/grading/presence.py), for the health page.
"""

import logging
import threading
import time

from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.utils import current_timestamp

from grader.grading.presence import PUBLISH_EVERY_SECONDS, SANDBOX_DOWN, Sandboxes, publish, withdraw
from sandbox.health import CHECK_TIMEOUT, DockerEngine, docker_endpoint, docker_engine, sandbox_problem
from sandbox.pool import Pool

log = logging.getLogger(__name__)

LONGEST_PAUSE_SECONDS = 10.0
"""Longest pause between two looks at a sandbox that cannot run."""

RELEASE_EVERY_SECONDS = 1.0
"""Seconds between two looks for held-back jobs whose pause is over."""

ENGINE_EVERY_SECONDS = 60.0
"""Seconds between two asks of the Docker daemon who it is, once it has answered (it may be replaced)."""

STOP_PUBLISHING_SECONDS = 2 * CHECK_TIMEOUT + 5.0
"""Longest wait, as a worker stops, for a publish in flight (an ask of Docker, then Redis) to end."""


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

    def __init__(
        self,
        queues: list[Queue],
        *,
        image: str,
        runtime: str | None = None,
        pool: Pool | None = None,
        **kwargs: object,
    ) -> None:
        # Jobs are read as the queue writes them (JSON; grader/grading/queue.py).
        super().__init__(queues, serializer=queues[0].serializer, **kwargs)  # type: ignore[arg-type]
        self.image, self.runtime, self.pool = image, runtime, pool
        self._engine: DockerEngine | None = None
        self._engine_asked = float("-inf")
        self._publishing: tuple[threading.Event, threading.Thread] | None = None

    def work(self, burst: bool = False, **options: object) -> bool:  # type: ignore[override]
        """Work as RQ does; release held-back jobs first, and then every second while not in burst mode.

        Meanwhile a thread keeps the worker's published state fresh, until the worker says it stops.
        """
        release_due_jobs(self.queues)
        done = threading.Event()
        self._refresh_engine()
        publisher = threading.Thread(target=self._publish_until, args=(done,), name="presence", daemon=True)
        self._publishing = (done, publisher)
        publisher.start()
        if not burst:
            threading.Thread(target=self._release_forever, name="releaser", daemon=True).start()
        try:
            return super().work(burst=burst, **options)  # type: ignore[arg-type]
        finally:
            self._stop_publishing()

    def sandboxes(self) -> Sandboxes:
        """What this worker publishes about its sandboxes now."""
        engine = self._engine
        default_runtime = engine.default_runtime if engine is not None and engine.default_runtime else "default"
        return Sandboxes(
            docker_endpoint=engine.endpoint if engine is not None else docker_endpoint(),
            docker_id=engine.engine_id if engine is not None else "",
            docker_name=engine.name if engine is not None else "",
            image=self.image,
            runtime=self.runtime or default_runtime,
            pool_ready=self.pool.ready_count() if self.pool is not None else 0,
            pool_size=self.pool.size if self.pool is not None else 0,
            pool_failing=self.pool.failing if self.pool is not None else False,
        )

    def publish(self) -> None:
        """Write this worker's state in Redis for a while (grader/grading/presence.py)."""
        publish(self.connection, self.queues[0].name, self.name, self.sandboxes())

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        """Tell RQ this worker lives, as RQ does, and refresh its published state with it."""
        super().heartbeat(timeout, pipeline)
        self.publish()

    def register_death(self) -> None:
        """Say this worker stops, to RQ and in its published state.

        The publishing thread is stopped first, and a publish in flight waited for: written after the removal,
        it would show a stopped worker alive for PRESENCE_TTL_SECONDS.
        """
        self._stop_publishing()
        try:
            withdraw(self.connection, self.queues[0].name, self.name)
        except RedisError:
            log.warning("could not remove this worker's published state; it expires by itself", exc_info=True)
        super().register_death()

    def _refresh_engine(self) -> None:
        """Ask the Docker daemon who it is, at first and then now and then (a new daemon may answer)."""
        if self._engine is None or time.monotonic() - self._engine_asked > ENGINE_EVERY_SECONDS:
            self._engine_asked = time.monotonic()
            self._engine = docker_engine() or self._engine

    def _stop_publishing(self) -> None:
        """Stop the publishing thread, waiting (a while) for a publish in flight to end."""
        if self._publishing is None:
            return
        done, publisher = self._publishing
        done.set()
        if publisher is not threading.current_thread():
            publisher.join(STOP_PUBLISHING_SECONDS)

    def _publish_until(self, done: threading.Event) -> None:
        while not done.is_set():
            try:
                self._refresh_engine()
                self.publish()
            except Exception:  # Redis restarting: the next round tries again
                log.warning("could not publish this worker's state; trying again", exc_info=True)
            done.wait(PUBLISH_EVERY_SECONDS)

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
