"""How grading goes right now: the queues, the workers, how long submissions wait and run, what failed.

Read at once from the database (the job-phase timestamps of each submission, the audit of stored verdicts)
and Redis (the queues, the workers' published states), for the staff health page and /metrics. Each part
that cannot be read says so instead of failing the rest: with Redis down, the database's figures remain.
"""

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from grader.grading.presence import WorkerPresence, live_workers
from grader.grading.queue import SERIALIZER, later_queue
from grader.models import Outcome, Status, StoredVerdict, Submission, utcnow
from grader.settings import Settings

log = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2.0
"""Seconds the health check waits for Redis: a page about a stuck grader must not get stuck itself."""

RECENT = timedelta(hours=1)
"""The window of 'graded in the last hour' and its wait and run times."""

DAY = timedelta(hours=24)
"""The longer window of infrastructure failures."""

QUANTILES = (0.5, 0.95)
"""The percentiles of wait and run times shown and exported."""


@dataclass(frozen=True)
class Line:
    """One queue in Redis: jobs waiting in line, and jobs held back after a failed try until their pause ends."""

    kind: str
    """first (learners waiting for a first verdict) or later (regrades)."""
    name: str
    waiting: int
    held_back: int


@dataclass(frozen=True)
class Durations:
    """Seconds of one phase over the submissions graded recently: how many, and their percentiles."""

    count: int
    percentiles: dict[float, float] = field(default_factory=dict)
    """Quantile (0.5, 0.95) → seconds; empty when no submission was measured."""


@dataclass(frozen=True)
class Health:
    """The state of grading at one moment; None or empty where the part it comes from could not be read."""

    checked_at: datetime
    image: str
    runtime: str | None
    redis_problem: str | None = None
    database_problem: str | None = None
    lines: list[Line] = field(default_factory=list)
    workers: list[WorkerPresence] = field(default_factory=list)
    queued: int = 0
    """Submissions waiting for a worker, in the database (held-back ones included)."""
    running: int = 0
    """Submissions a worker has claimed and not yet finished."""
    oldest_queued_at: datetime | None = None
    """When the submission waiting longest was queued; those queued before the time was kept are left out."""
    graded_recently: int = 0
    """Submissions whose verdict was stored within RECENT."""
    wait: Durations = field(default_factory=lambda: Durations(0))
    run: Durations = field(default_factory=lambda: Durations(0))
    infrastructure_recent: int = 0
    """Submissions the grader gave up on (outcome infrastructure) within RECENT."""
    infrastructure_day: int = 0
    infrastructure_total: int = 0

    @property
    def oldest_wait_seconds(self) -> float | None:
        """Seconds the oldest waiting submission has been waiting; None when none waits."""
        if self.oldest_queued_at is None:
            return None
        return max(0.0, (self.checked_at - self.oldest_queued_at).total_seconds())

    @property
    def redis_up(self) -> bool:
        return self.redis_problem is None

    @property
    def database_up(self) -> bool:
        return self.database_problem is None

    @property
    def nobody_grades(self) -> bool:
        """Submissions wait (or would) and no worker is alive to take them; False when Redis cannot tell."""
        return self.redis_up and not self.workers


def check(sessions: sessionmaker[Session], settings: Settings) -> Health:
    """Read the state of grading now, from the database and from Redis."""
    now = utcnow()
    figures: dict[str, object] = {}
    try:
        with sessions() as session:
            figures |= _from_database(session, now)
    except SQLAlchemyError as error:
        log.warning("health: the database cannot be read", exc_info=True)
        figures["database_problem"] = f"{type(error).__name__}: {error}".splitlines()[0]
    try:
        figures |= _from_redis(settings.redis_url, settings.queue_name)
    except RedisError as error:
        figures["redis_problem"] = f"{type(error).__name__}: {error}"
    return Health(checked_at=now, image=settings.sandbox_image, runtime=settings.sandbox_runtime, **figures)  # type: ignore[arg-type]


def percentile(values: Sequence[float], quantile: float) -> float:
    """The quantile of the values, interpolated between the two nearest (as numpy's default); values not empty."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * quantile
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def durations(values: Sequence[float]) -> Durations:
    """How many values, and their QUANTILES."""
    if not values:
        return Durations(0)
    return Durations(len(values), {quantile: percentile(values, quantile) for quantile in QUANTILES})


def _from_database(session: Session, now: datetime) -> dict[str, object]:
    """The database's figures; each query reads an index (ix_submissions_status_queued_at, graded_at, …)."""
    counts = dict(
        session.execute(
            select(Submission.status, func.count())
            .where(Submission.status.in_((Status.QUEUED, Status.RUNNING)))
            .group_by(Submission.status)
        ).all()
    )
    # A submission queued before its queued time was kept has none (NULL): MIN skips it, rather than
    # count days of waiting from its making (grader/migrations/versions/0007_job_phase_timestamps.py).
    oldest = session.scalar(select(func.min(Submission.queued_at)).where(Submission.status == Status.QUEUED))
    since = now - RECENT
    # Only the attempt that produced each verdict is measured: a new attempt clears its started and finished times.
    # A time not known (NULL: queued before it was kept) leaves that submission out of the phase it bounds.
    recent = session.execute(
        select(Submission.queued_at, Submission.started_at, Submission.finished_at).where(Submission.graded_at >= since)
    ).all()
    waits = [(started - queued).total_seconds() for queued, started, _ in recent if queued and started]
    runs = [(finished - started).total_seconds() for _, started, finished in recent if started and finished]
    failed = select(func.count()).where(StoredVerdict.outcome == Outcome.INFRASTRUCTURE)
    return {
        "queued": counts.get(Status.QUEUED, 0),
        "running": counts.get(Status.RUNNING, 0),
        "oldest_queued_at": oldest,
        "graded_recently": len(recent),
        "wait": durations([max(0.0, wait) for wait in waits]),
        "run": durations([max(0.0, run) for run in runs]),
        "infrastructure_recent": session.scalar(failed.where(StoredVerdict.stored_at >= since)) or 0,
        "infrastructure_day": session.scalar(failed.where(StoredVerdict.stored_at >= now - DAY)) or 0,
        "infrastructure_total": session.scalar(failed) or 0,
    }


def _from_redis(redis_url: str, queue_name: str) -> dict[str, object]:
    """The queues' lengths and the live workers, over a connection that gives up quickly."""
    connection = quick_connection(redis_url)
    try:
        first = Queue(queue_name, connection=connection, serializer=SERIALIZER)
        lines = [
            Line(kind, line.name, line.count, ScheduledJobRegistry(queue=line).count)
            for kind, line in (("first", first), ("later", later_queue(first)))
        ]
        return {"lines": lines, "workers": live_workers(first)}
    finally:
        connection.close()


def quick_connection(redis_url: str) -> Redis:
    """A connection to Redis that neither retries nor waits long (the queue's own waits out a restart)."""
    return Redis.from_url(
        redis_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
