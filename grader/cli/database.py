"""`autograder db`: bring the database to this version's schema, see where it stands, write the next revision,
back it up and restore it."""

from pathlib import Path

import click

from grader import backup, schema
from grader.cli.context import prepared, services


@click.group("db")
def db_group() -> None:
    """The database schema (Alembic migrations)."""


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Create, adopt or upgrade the database to the newest revision."""
    prepared()
    click.echo(f"database at revision {schema.current_revision(services().engine)}")


@db_group.command("current")
def current_command() -> None:
    """Print the database's revision and the newest one this version knows."""
    click.echo(f"database: {schema.current_revision(services().engine) or 'none'}; newest: {schema.head_revision()}")


@db_group.command("revision")
@click.argument("message")
def revision_command(message: str) -> None:
    """Write the next revision from the models (run on a database at the newest revision)."""
    if schema.current_revision(services().engine) != schema.head_revision():
        raise click.ClickException("run 'autograder db upgrade' first: a revision is written against the newest schema")
    schema.write_revision(services().engine, message)


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Write a backup of the database to PATH, while the system runs (SQLite: a copy; PostgreSQL: pg_dump)."""
    try:
        backup.backup(services().settings.database_url, path, force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {path}")


@db_group.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the content of a database that holds tables already.")
def restore_command(path: Path, force: bool) -> None:
    """Put the backup at PATH into the database (a new, empty one; --force replaces one in use: stop the system)."""
    try:
        backup.restore(services().settings.database_url, path, force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored {path}; the next start brings it to this version's schema")
