"""`autograder db`: bring the database to this version's schema, see where it stands, write the next revision."""

import click

from grader import schema
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
