"""The database schema through Alembic: create, upgrade, adopt a database made before migrations, write a revision."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect

from grader.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

BASELINE = "0001"
"""The revision equal to the schema that `create_all` made before there were migrations."""


class SchemaError(RuntimeError):
    """A database whose schema cannot be brought to this version's without a person deciding."""


def prepare(engine: Engine) -> None:
    """Bring the database to the newest revision: create it when empty, adopt it when made before migrations."""
    with engine.begin() as connection:
        tables = set(inspect(connection).get_table_names())
        if not tables - {"alembic_version"}:
            # A new database: create every table as the models say, then record that it is at head.
            Base.metadata.create_all(connection)
            command.stamp(_config(connection), "head")
            return
        if "alembic_version" not in tables:
            _adopt(connection)
        command.upgrade(_config(connection), "head")


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
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def write_revision(engine: Engine, message: str) -> None:
    """Write the next revision from what the models have and the database (at head) lacks."""
    with engine.begin() as connection:
        next_id = f"{int(head_revision()) + 1:04d}"
        command.revision(_config(connection), message=message, autogenerate=True, rev_id=next_id)


def baseline_columns() -> dict[str, set[str]]:
    """Each table's columns at the baseline, read from a scratch database built by the baseline revision."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as connection:
            command.upgrade(_config(connection), BASELINE)
            return _columns(connection)
    finally:
        scratch.dispose()


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
