"""The `autograder` command: run the system, run a worker, load exercises, manage users and tokens."""

import signal
import subprocess
import sys
import time

import click
from flask.cli import FlaskGroup, with_appcontext
from redis.exceptions import RedisError
from rq import SimpleWorker

from grader.accounts import AccountError, create_token, create_user, find_user
from grader.caretaker import Caretaker
from grader.demo import seed_demo
from web import create_app, prepare_database, queue, session_factory, settings
from web.cli_exercises import exercises_group, load_and_report

WORKER_STOP_SECONDS = 30
"""Seconds the worker may take to finish its job when the system stops."""


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def cli() -> None:
    """Run and manage the autograder."""


def _check_redis() -> None:
    try:
        queue().connection.ping()
    except RedisError as error:
        raise click.ClickException(
            f"Redis is not reachable at {settings().redis_url} ({error}). Start it, or run 'make run'."
        ) from error


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def run_command(host: str, port: int) -> None:
    """Prepare the database, load exercises, seed the demo, then serve the site with one worker."""
    _check_redis()
    prepare_database()
    load_and_report()
    with session_factory().begin() as session:
        created = seed_demo(session)
    if created:
        click.echo("\nDemo accounts (shown only this once; keep them):")
        for email, role, password in created:
            click.echo(f"  {role:8} {email:20} password: {password}")
        click.echo("")
    site = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", "2", "--threads", "4"]
    children = [
        subprocess.Popen([*site, "--access-logfile", "-", "web:create_app()"]),
        subprocess.Popen([sys.executable, "-m", "web.cli", "worker"]),
    ]
    click.echo(f"Site: http://{host}:{port}/   (Ctrl-C stops the site and the worker)")
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a service manager: the same clean stop
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise click.ClickException("the site or the worker stopped; see the messages above")
    except KeyboardInterrupt:
        click.echo("stopping: the worker finishes the submission in hand first")
    finally:
        _stop(children)


def _interrupt(_signal, _frame) -> None:
    raise KeyboardInterrupt


def _stop(children: list[subprocess.Popen]) -> None:
    """Stop the site and the worker; SIGTERM gives RQ a warm shutdown (the job in hand is finished)."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Grade submissions from the queue until stopped."""
    _check_redis()
    prepare_database()
    grading = queue()
    caretaker = Caretaker(session_factory(), grading)
    caretaker.run_once()
    if not burst:
        caretaker.start()
    # SimpleWorker grades in this process: our job code is trusted, and no fork keeps it fast.
    SimpleWorker([grading], connection=grading.connection).work(burst=burst, with_scheduler=False)


@cli.group("users")
def users_group() -> None:
    """Manage users."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["learner", "coach", "author", "admin"]))
@click.option("--password", required=True)
@with_appcontext
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a user who can log in."""
    prepare_database()
    try:
        with session_factory().begin() as session:
            user = create_user(session, email=email, name=name, role=role, password=password)
            click.echo(f"created {user.role} {user.email}")
    except AccountError as error:
        raise click.ClickException(str(error)) from error


@cli.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.argument("email")
@with_appcontext
def create_token_command(email: str) -> None:
    """Print a new API token for the user with this email."""
    with session_factory().begin() as session:
        user = find_user(session, email)
        if user is None:
            raise click.ClickException(f"no user with email {email}")
        click.echo(create_token(session, user))


cli.add_command(exercises_group)


def main() -> None:
    """Entry point of the console script."""
    cli()


if __name__ == "__main__":
    main()
