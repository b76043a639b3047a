"""The database schema through Alembic: create, upgrade, adopt a database made before migrations, write a revision."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Column, Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from grader.db import SQLITE_BUSY_MS
from grader.grading.gains import rebuild_all_gains
from grader.grading.standings import rebuild_all_standings
from grader.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

BASELINE = "0001"
"""The revision equal to the schema that `create_all` made before there were migrations."""

GAINS_IN_ZONES = "0002"
"""The revision from which points per day count in each cohort's time zone."""

STANDINGS = "0004"
"""The revision that brought the standings read model, filled from the submissions already graded."""

MIGRATION_LOCK = 7_304_185
"""Key of the PostgreSQL advisory lock that lets one process migrate at a time."""


class SchemaError(RuntimeError):
    """A database whose schema cannot be brought to this version's without a person deciding."""


def prepare(engine: Engine) -> None:
    """Bring the database to the newest revision: create it when empty, adopt it when made before migrations.

    Runs in one transaction that holds the database's write lock, so a failure changes nothing and a
    second process starting at the same time waits, then finds the work done.
    """
    with _migrating(engine) as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        _refuse_unknown(revision)
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        if revision is None and not tables:
            # A new database: create every table as the models say, then record that it is at head.
            Base.metadata.create_all(connection)
            command.stamp(_config(connection), "head")
            return
        if revision is None:
            _adopt(connection)
        command.upgrade(_config(connection), "head")
        if revision is None or revision < GAINS_IN_ZONES:
            # Points per day were counted in UTC before cohorts had a time zone.
            with Session(bind=connection) as session:
                rebuild_all_gains(session)
                session.flush()
        if revision is None or revision < STANDINGS:
            with Session(bind=connection) as session:
                rebuild_all_standings(session)
                session.flush()
        _check_foreign_keys(connection)


def _refuse_unknown(revision: str | None) -> None:
    """Refuse a database at a revision this code does not know: a newer version upgraded it, and this one would
    misread its data."""
    if revision is None:
        return
    known = {script.revision for script in ScriptDirectory.from_config(_config(None)).walk_revisions()}
    if revision not in known:
        raise SchemaError(
            f"This database is at revision {revision}, which this version of the autograder does not know (its "
            f"newest is {head_revision()}): a newer version has upgraded it. Run that newer version (or a later "
            "one) on it, or restore the backup made before the upgrade to use this version; nothing was changed."
        )


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None before migrations."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision this version of the code knows."""
    head = ScriptDirectory.from_config(_config(None)).get_current_head()
    assert head is not None, "grader/migrations/versions holds no revision"
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every revision up to this one (only on a database that migrations manage)."""
    with _migrating(engine) as connection:
        _refuse_unknown(MigrationContext.configure(connection).get_current_revision())
        command.upgrade(_config(connection), revision)
        _check_foreign_keys(connection)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo revisions down to this one."""
    with _migrating(engine) as connection:
        command.downgrade(_config(connection), revision)
        _check_foreign_keys(connection)


def write_revision(engine: Engine, message: str) -> None:
    """Write the next revision from what the models have and the database (at head) lacks."""
    with engine.begin() as connection:
        next_id = f"{int(head_revision()) + 1:04d}"
        command.revision(_config(connection), message=message, autogenerate=True, rev_id=next_id)


def same_server_default(
    context: MigrationContext,
    inspected_column: Column[Any],
    metadata_column: Column[Any],
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Alembic's compare_server_default, for a JSON column on PostgreSQL: the database reports '{}'::json where the
    model says '{}', and PostgreSQL cannot compare JSON values as Alembic would (json = unknown). None: the usual
    comparison for every other column."""
    if context.dialect.name != "postgresql" or not isinstance(metadata_column.type, JSON):
        return None
    return (inspected_default or "").removesuffix("::json").strip("'") != (rendered_metadata_default or "").strip("'")


def baseline_columns() -> dict[str, set[str]]:
    """Each table's columns at the baseline, read from a scratch database built by the baseline revision."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as connection:
            command.upgrade(_config(connection), BASELINE)
            return _columns(connection)
    finally:
        scratch.dispose()


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction that holds the write lock for the whole migration.

    SQLite: its own engine, because Python's driver commits a table change at once unless the
    transaction is begun by hand, and foreign keys must be off while a table is copied (Alembic's
    batch mode drops the old table, which would delete or refuse the rows that point at it).
    PostgreSQL: an advisory lock held until the transaction ends.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            yield connection
        return
    migrating = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(migrating, "connect")
    def _by_hand(connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        connection.isolation_level = None  # the driver begins nothing itself
        connection.execute("PRAGMA foreign_keys=OFF")  # only takes effect outside a transaction

    @event.listens_for(migrating, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, before anything is read

    try:
        with migrating.begin() as connection:
            yield connection
    finally:
        migrating.dispose()


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit a migration that left a row pointing at nothing (SQLite checks none while it runs)."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise SchemaError(f"the migration left rows that point at nothing: {broken[:5]}")


def _adopt(connection: Connection) -> None:
    """Mark a database made by create_all as at the baseline, after checking that it has exactly its columns."""
    expected, found = baseline_columns(), _columns(connection)
    expected.pop("alembic_version", None)
    differences = [
        f"table {table}: missing {', '.join(sorted(expected[table] - found.get(table, set()))) or 'nothing'}, "
        f"unknown {', '.join(sorted(found.get(table, set()) - expected[table])) or 'nothing'}"
        for table in sorted(expected)
        if found.get(table) != expected[table]
    ]
    if differences:
        raise SchemaError(
            "This database was made before migrations, by an older version than the baseline, so it cannot be "
            "upgraded automatically: " + "; ".join(differences) + ". Export what you need and start a new database."
        )
    command.stamp(_config(connection), BASELINE)


def _columns(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {table: {column["name"] for column in inspector.get_columns(table)} for table in inspector.get_table_names()}


def _config(connection: Connection | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config
