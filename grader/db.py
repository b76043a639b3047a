"""Engine and sessions: one engine per process, SQLite tuned for a web process and workers at once."""

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from psycopg import pq
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

SQLITE_BUSY_MS = 10_000
"""Milliseconds a SQLite writer waits for another writer before giving up."""

FIRST_RETRY_SECONDS = 1.0
"""Seconds before the second try to reach a database server that was not reachable at start; doubled each time."""

MOST_RETRY_SECONDS = 30.0
"""Longest wait between two tries to reach the database server."""


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
        problem = _connection_problem(engine)
        if problem is not None and _server_accepts_connections(engine):
            # It runs and lets clients in, yet not us: a wrong role, password or database name, which waiting
            # will not mend. Asked once more first, in case the server came up between the two.
            problem = _connection_problem(engine)
            if problem is not None:
                raise DatabaseRefused(
                    f"the database server at {where} refuses the connection ({problem}): check the role, password "
                    "and database name in AUTOGRADER_DATABASE_URL"
                )
        if problem is None:
            if attempt > 1:
                log.warning("the database at %s is reachable again (try %d): starting", where, attempt)
            return
        delay = min(FIRST_RETRY_SECONDS * 2 ** (attempt - 1), MOST_RETRY_SECONDS)
        log.warning(
            "the database at %s is not reachable (try %d: %s); trying again in %.0f s", where, attempt, problem, delay
        )
        sleep(delay)


ENDED_FOR_ANOTHER = frozenset({"40001", "40P01"})
"""SQLSTATEs of a transaction PostgreSQL ended to let another through (a serialization failure, a deadlock):
running it again is PostgreSQL's own advice."""


def ended_for_another(error: DBAPIError) -> bool:
    """Whether the database ended this transaction to let another one through, so running it again may pass."""
    return getattr(error.orig, "sqlstate", None) in ENDED_FOR_ANOTHER


def error_text(error: BaseException) -> str:
    """A database error's own words on one line, short enough for a log line or a message."""
    return " ".join(str(getattr(error, "orig", None) or error).split())[:300]


def _connection_problem(engine: Engine) -> str | None:
    """Why a connection to the database fails, or None when one opens and answers."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        return error_text(error)
    return None


def _server_accepts_connections(engine: Engine) -> bool:
    """Whether the PostgreSQL server runs and takes connections, asked as pg_isready does (libpq's ping, which
    does not log in): its answer does not depend on the language the server writes its messages in."""
    if engine.dialect.driver != "psycopg":
        return False
    url = engine.url
    host = url.host or url.query.get("host") or ""
    conninfo = make_conninfo(host=str(host), port=url.port or "", dbname=url.database or "", connect_timeout=5)
    return pq.PGconn.ping(conninfo.encode()) == pq.Ping.OK
