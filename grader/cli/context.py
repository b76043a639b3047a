"""What every command shares: this process's Services, built on first use and closed when the command ends."""

import click
from redis.exceptions import AuthenticationError, RedisError

from grader.db import DatabaseRefused
from grader.schema import SchemaError
from grader.services import Services
from grader.settings import SettingsError, load_settings, shown_url


def services() -> Services:
    """The Services of this command, built once from AUTOGRADER_* (or those passed in as the root's obj)."""
    root = click.get_current_context().find_root()
    if root.obj is None:
        try:
            root.obj = Services.build(load_settings())
        except SettingsError as error:
            raise click.ClickException(str(error)) from error
        root.call_on_close(root.obj.close)
    return root.obj


def prepared() -> Services:
    """The Services of this command, its database brought to the newest schema (waiting for a database server
    that is not reachable yet); a database that cannot be used stops the command with the reason."""
    current = services()
    try:
        current.prepare_database()
    except (SchemaError, DatabaseRefused) as error:
        raise click.ClickException(str(error)) from error
    return current


def require_redis() -> None:
    """Stop with a clear message when Redis cannot be reached or refuses our password."""
    current = services()
    where = shown_url(current.settings.redis_url)
    try:
        current.queue.connection.ping()
    except AuthenticationError as error:
        raise click.ClickException(
            f"Redis at {where} refuses the password of AUTOGRADER_REDIS_URL, or asks for one it does not have "
            f"({error}). Write it as redis://:PASSWORD@host:port/db."
        ) from error
    except RedisError as error:
        raise click.ClickException(
            f"Redis is not reachable at {where} ({error}). Start it, or run 'make run'."
        ) from error
