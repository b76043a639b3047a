"""The services of one process, built once: settings, the database engine and its sessions, the grading queue.

The web app keeps its Services in `app.extensions`, a command builds one when it starts, and a
worker hands its own to the jobs it runs through `use`.
"""

from dataclasses import dataclass, field

from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from grader import schema
from grader.db import make_engine, make_sessionmaker, wait_for_database
from grader.grading.queue import grading_queue
from grader.progress.cache import ProgressCache
from grader.settings import Settings, load_settings


@dataclass(frozen=True)
class Services:
    """What every part of the system needs to reach the database and the queue."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    queue: Queue
    progress_cache: ProgressCache = field(default_factory=ProgressCache)
    """What progress pages computed, kept briefly (the web process reads it; changes make it stale)."""

    @classmethod
    def build(cls, settings: Settings) -> "Services":
        """Build them without connecting: the engine and Redis connect on first use (SQLite's folder is made now)."""
        engine = make_engine(settings.database_url)
        return cls(settings, engine, make_sessionmaker(engine), grading_queue(settings.redis_url, settings.queue_name))

    def prepare_database(self) -> None:
        """Bring the database to the newest schema (create, adopt or upgrade it), once its server is reachable:
        a database server that is down or still starting is waited for (see wait_for_database)."""
        wait_for_database(self.engine)
        schema.prepare(self.engine)

    def close(self) -> None:
        """Close the Redis connection and every pooled database connection."""
        self.queue.connection.close()
        self.engine.dispose()


_current: Services | None = None


def use(services: Services | None) -> None:
    """Make these the services of jobs run in this process (None forgets them)."""
    global _current
    _current = services


def current() -> Services:
    """The services of this process's jobs: those handed to use(), or built from the environment once."""
    global _current
    if _current is None:
        _current = Services.build(load_settings())
    return _current
