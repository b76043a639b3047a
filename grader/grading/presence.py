"""What each grading worker says about itself in Redis, and reading it back for the health page and /metrics.

RQ keeps its own record of every worker (host name, pid, state, last heartbeat, the job in hand), listed by
rq.Worker.all; it is reused, not written twice. What RQ does not know is added in one more key per worker:
the Docker it starts sandboxes on (endpoint and the daemon's ID and name), with which image and runtime, and
how full its pool of started sandboxes is, and when it wrote that (published_at, UTC). That key lives
PRESENCE_TTL_SECONDS and the worker refreshes it every PUBLISH_EVERY_SECONDS (and at each of RQ's heartbeats),
so a worker that dies disappears within seconds, long before RQ's own record of it expires. A worker is alive
while both are there. RQ's own last heartbeat says little: an idle worker waits in line for minutes between two.

The key is read by workers and sites of other versions during a rolling upgrade: keys it does not know are
ignored, and a field added later has a default, so that a worker of either version stays on the health page.
"""

import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime

from redis import Redis
from rq import Queue, Worker

PRESENCE_TTL_SECONDS = 30
"""Seconds a worker's published state stays in Redis unless refreshed: a dead worker is gone this long after."""

PUBLISH_EVERY_SECONDS = 5.0
"""Seconds between two refreshes of a worker's published state (its pool changes as jobs run)."""

KEY_PREFIX = "autograder:presence:"
"""Start of each worker's key: autograder:presence:<queue name>:<RQ worker name>."""

SANDBOX_DOWN = "waiting for the sandbox"
"""A worker's state in RQ's record while it takes no jobs because the sandbox cannot run (grader/grading/worker.py)."""

JOB_ID = re.compile(r"-submission-(\d+)-(\d+)$")
"""The end of a grading job's id: the submission and its attempt (grader/grading/queue.py job_id)."""


@dataclass(frozen=True)
class Sandboxes:
    """What one worker publishes about the sandboxes it runs: on which Docker, of which image, how many ready."""

    docker_endpoint: str
    """DOCKER_HOST as the worker sees it, or the local socket."""
    docker_id: str
    """The Docker daemon's ID (`docker info`); empty while no daemon has answered."""
    docker_name: str
    """The Docker daemon's host name (`docker info`); empty while no daemon has answered."""
    image: str
    runtime: str
    """The runtime named in the settings (runsc, …), or the daemon's default (runc) when none is named."""
    pool_ready: int
    """Sandboxes started and waiting for a job."""
    pool_size: int
    """Sandboxes the worker keeps ready; 0: each job starts its own."""
    pool_failing: bool
    """The last attempt to prepare a sandbox failed."""


@dataclass(frozen=True)
class WorkerPresence:
    """One live grading worker: RQ's record of it, with what it published about its sandboxes."""

    name: str
    host: str
    pid: int | None
    state: str
    """RQ's state: idle, busy, started, or 'waiting for the sandbox' (grader/grading/worker.py)."""
    submission_id: int | None
    """The submission it is grading, if any."""
    attempt: int | None
    last_seen: datetime | None
    """When the worker last published its state, in UTC without a zone like the database's timestamps;
    None for a worker of a version that did not say."""
    sandboxes: Sandboxes


def presence_key(queue_name: str, worker_name: str) -> str:
    """The Redis key of one worker's published state."""
    return f"{KEY_PREFIX}{queue_name}:{worker_name}"


def publish(connection: Redis, queue_name: str, worker_name: str, sandboxes: Sandboxes) -> None:
    """Write a worker's state, and the moment it is written, for PRESENCE_TTL_SECONDS."""
    record = asdict(sandboxes) | {"published_at": datetime.now(UTC).isoformat()}
    connection.set(presence_key(queue_name, worker_name), json.dumps(record), ex=PRESENCE_TTL_SECONDS)


def withdraw(connection: Redis, queue_name: str, worker_name: str) -> None:
    """Remove a worker's state: it stops."""
    connection.delete(presence_key(queue_name, worker_name))


def live_workers(queue: Queue) -> list[WorkerPresence]:
    """The grading workers alive on this queue (RQ's record and a fresh published state), by host and name.

    Raises Redis's errors: the caller says Redis is unreachable.
    """
    connection = queue.connection
    found = []
    for worker in Worker.all(queue=queue):
        record = read_record(connection.get(presence_key(queue.name, worker.name)))
        if record is None:
            continue  # killed without a word: RQ's record outlives it, its published state does not
        sandboxes, published_at = record
        submission_id, attempt = submission_of(worker.get_current_job_id())
        found.append(
            WorkerPresence(
                name=worker.name,
                host=worker.hostname or "",
                pid=worker.pid,
                state=str(worker.get_state()),
                submission_id=submission_id,
                attempt=attempt,
                last_seen=published_at,
                sandboxes=sandboxes,
            )
        )
    return sorted(found, key=lambda presence: (presence.host, presence.name))


def submission_of(job_id: str | None) -> tuple[int | None, int | None]:
    """The submission and attempt a grading job's id names; (None, None) for no job or another job."""
    match = JOB_ID.search(job_id or "")
    if match is None:
        return None, None
    return int(match[1]), int(match[2])


def read_record(raw: bytes | str | None) -> tuple[Sandboxes, datetime | None] | None:
    """A published state read back, with when it was published (UTC, no zone; None if not said).

    Keys this version does not know are ignored (a newer worker's); None when absent or unreadable.
    """
    if raw is None:
        return None
    try:
        record = json.loads(raw)
        known = {field.name for field in fields(Sandboxes)}
        sandboxes = Sandboxes(**{key: value for key, value in record.items() if key in known})
    except (ValueError, TypeError, AttributeError):
        return None
    return sandboxes, _moment(record.get("published_at"))


def _moment(value: object) -> datetime | None:
    """An ISO 8601 moment as a naive UTC datetime; None when missing or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
