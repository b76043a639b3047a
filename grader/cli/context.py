"""What every command shares: this process's Services, built on first use and closed when the command ends."""

import click
from redis.exceptions import RedisError

from grader.services import Services
from grader.settings import SettingsError, load_settings


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


def require_redis() -> None:
    """Stop with a clear message when Redis cannot be reached."""
    current = services()
    try:
        current.queue.connection.ping()
    except RedisError as error:
        raise click.ClickException(
            f"Redis is not reachable at {current.settings.redis_url} ({error}). Start it, or run 'make run'."
        ) from error
