"""Engine and sessions: one engine per process, SQLite tuned for a web process and workers at once."""

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

SQLITE_BUSY_MS = 10_000
"""Milliseconds a SQLite writer waits for another writer before giving up."""

FIRST_RETRY_SECONDS = 1.0
"""Seconds before the second try to reach a database server that was not reachable at start; doubled each time."""

MOST_RETRY_SECONDS = 30.0
"""Longest wait between two tries to reach the database server."""

REFUSALS = ("password authentication failed", "does not exist", "no pg_hba.conf entry", "permission denied")
"""What a database server says when waiting would not help: a wrong password, role or database name."""


class DatabaseRefused(RuntimeError):
    """The database server answers but refuses us: the URL's role, password or database is wrong."""


POSTGRESQL_DRIVER = "psycopg"
"""The PostgreSQL driver the system installs (psycopg 3): used when the URL names none."""


def engine_url(database_url: str) -> URL:
    """The URL to connect with: postgresql:// (or postgres://) without a driver means psycopg 3, which is installed.

    SQLAlchemy 2.0 would otherwise pick psycopg2, which is not installed (2.1 picks psycopg itself).
    """
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername=f"postgresql+{POSTGRESQL_DRIVER}")
    return url


def make_engine(database_url: str) -> Engine:
    """Create the engine; for SQLite, create its folder and turn on WAL and foreign keys."""
    url = engine_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _tune(connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        cursor = connection.cursor()
        # WAL lets the web site read while a worker writes a result.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded rows usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def wait_for_database(engine: Engine, *, sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once the database server accepts a connection, trying again (with a log line each time) while it
    cannot be reached: a server that starts after us, or is restarting, delays the start instead of ending it.

    A server that answers and refuses (a wrong password or name) raises DatabaseRefused at once. SQLite is a
    file: nothing to wait for.
    """
    if engine.dialect.name == "sqlite":
        return
    where = engine.url.render_as_string(hide_password=True)
    attempt = 0
    while True:
        attempt += 1
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            reason = " ".join(str(error.orig).split())[:300]
            if any(refusal in reason for refusal in REFUSALS):
                raise DatabaseRefused(
                    f"the database server at {where} refuses the connection ({reason}): check the role, password "
                    "and database name in AUTOGRADER_DATABASE_URL"
                ) from None
            delay = min(FIRST_RETRY_SECONDS * 2 ** (attempt - 1), MOST_RETRY_SECONDS)
            log.warning(
                "the database at %s is not reachable (try %d: %s); trying again in %.0f s",
                where,
                attempt,
                reason,
                delay,
            )
            sleep(delay)
            continue
        if attempt > 1:
            log.warning("the database at %s is reachable again (try %d): starting", where, attempt)
        return
