"""Fixtures: a real database file, a real Redis queue of its own, real Docker, a real mail server; nothing is faked."""

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import docker
import docker.errors
import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from rq import Queue
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from grader import services as process_services
from grader.authoring.reader import read_bank
from grader.authoring.store import store_specs
from grader.db import engine_url
from grader.grading.queue import later_queue
from grader.services import Services
from grader.settings import PROJECT_ROOT, load_settings, shown_url
from tests.factories import MailServer, drain_queues
from web import create_app

pytest_plugins = ["tests.browsing"]  # the browser tests' fixtures: live_server, browser


def redis_url_for_tests(environ: Mapping[str, str]) -> str:
    """Database 15 of the Redis `make test` makes sure of: this host's as AUTOGRADER_REDIS_URL names it, with its
    password (ensure-services starts it asking for that one), else 127.0.0.1:6379."""
    configured = urlsplit(environ.get("AUTOGRADER_REDIS_URL", ""))
    if configured.scheme != "redis" or configured.hostname not in ("127.0.0.1", "localhost"):
        return "redis://127.0.0.1:6379/15"
    return urlunsplit(configured._replace(path="/15"))


TEST_REDIS_URL = redis_url_for_tests(os.environ)
"""Redis database used by the tests, apart from the one `make run` uses."""


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """The message catalogs compiled from the .po files in git, as `make catalogs` does, so pages are translated."""
    translations = PROJECT_ROOT / "web" / "translations"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "compile", "-d", str(translations)], check=True
    )


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Real Redis, or a loud failure: `make test` starts it."""
    try:
        with Redis.from_url(TEST_REDIS_URL) as redis:
            redis.ping()
    except RedisError as error:
        pytest.fail(f"Redis is not reachable at {shown_url(TEST_REDIS_URL)} ({error}); run the tests with `make test`.")
    return TEST_REDIS_URL


@pytest.fixture(scope="session")
def docker_client():
    """Real Docker with the sandbox image built, or a loud failure: `make test` provides both."""
    try:
        client = docker.from_env()
        client.ping()
        client.images.get(load_settings({}).sandbox_image)
    except (docker.errors.DockerException, OSError) as error:
        pytest.fail(f"Docker or the sandbox image is missing ({error}); run the tests with `make test`.")
    yield client
    client.close()


TEST_DATABASE_URL = os.environ.get("AUTOGRADER_TEST_DATABASE_URL", "")
"""A PostgreSQL server and role (that may create databases) to run the tests on instead of SQLite; `make test`
runs the tests about data on it too, with what scripts/ensure-services.sh --postgres makes sure of."""

TEST_DATABASE_PREFIX = "autograder_test_"
"""Start of the name of every database the tests create on PostgreSQL."""


def on_postgres() -> bool:
    """Whether this run's tests use PostgreSQL."""
    return bool(TEST_DATABASE_URL)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need PostgreSQL (marked postgres) belong to the run on PostgreSQL: the run on SQLite leaves them
    out, and there a missing server fails them (never a skip)."""
    if on_postgres():
        return
    kept = [item for item in items if item.get_closest_marker("postgres") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def _server(url: str) -> Engine:
    """An engine on the server's own database of the role, in autocommit: CREATE/DROP DATABASE run outside a
    transaction."""
    return create_engine(engine_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_test_database() -> str:
    """A new, empty PostgreSQL database of a unique name on the test server, which names this process; its URL."""
    name = f"{TEST_DATABASE_PREFIX}p{os.getpid()}_{uuid.uuid4().hex[:16]}"
    server = _server(TEST_DATABASE_URL)
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {shown_url(TEST_DATABASE_URL)} ({error}); "
            "run `scripts/ensure-services.sh --postgres` (make test does)."
        )
    finally:
        server.dispose()
    return engine_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def drop_test_database(url: str) -> None:
    """Drop a database create_test_database made, ending the connections still on it (a worker a test left)."""
    name = make_url(url).database
    assert name and name.startswith(TEST_DATABASE_PREFIX)
    server = _server(TEST_DATABASE_URL)
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        server.dispose()


def _maker_is_gone(name: str) -> bool:
    """Whether the test run that made this database has ended: the process its name holds no longer runs. A name
    without a pid is left alone: a checkout from before names held one may be running its tests now."""
    pid, _, rest = name.removeprefix(TEST_DATABASE_PREFIX).partition("_")
    if not (pid.startswith("p") and pid[1:].isdigit() and rest):
        return False
    pid = pid[1:]
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


def drop_stale_test_databases() -> list[str]:
    """Drop the test databases a killed run left: made by a process that has ended (its pid in the name), and with
    no connection (a plain DROP DATABASE refuses one that has any, so a database in use is never dropped); their
    names."""
    server = _server(TEST_DATABASE_URL)
    dropped = []
    try:
        with server.connect() as connection:
            listing = text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)")
            names = connection.execute(listing, {"prefix": TEST_DATABASE_PREFIX}).scalars().all()
            for name in [name for name in names if _maker_is_gone(name)]:
                try:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                except OperationalError:
                    continue  # in use after all
                dropped.append(name)
    finally:
        server.dispose()
    return dropped


@pytest.fixture(scope="session", autouse=True)
def stale_test_databases_dropped() -> None:
    """At the start of a run on PostgreSQL: the databases a killed run left are dropped (nothing else would)."""
    if on_postgres():
        with contextlib.suppress(OperationalError):  # an unreachable server is said by the first test that needs it
            drop_stale_test_databases()


_created: list[str] = []
"""URLs of the PostgreSQL databases this run made and has not dropped yet."""

_dropping = ThreadPoolExecutor(max_workers=1)
"""Drops databases while the next tests run (each drop waits for a checkpoint of the server)."""

_drops: list[Future[None]] = []


def database_url_for(folder: Path) -> str:
    """A fresh database for a test: SQLite in folder, or a new PostgreSQL database (dropped after the test)."""
    if not on_postgres():
        return f"sqlite:///{folder / 'test.db'}"
    url = create_test_database()
    _created.append(url)
    return url


def release_database(url: str) -> None:
    """Drop, in the background, a PostgreSQL database database_url_for made; nothing for SQLite."""
    if url in _created:
        _created.remove(url)
        _drops.append(_dropping.submit(drop_test_database, url))


@pytest.fixture(scope="session", autouse=True)
def dropped_test_databases() -> Iterator[None]:
    """At the end of the run: every PostgreSQL database a test made is dropped (module fixtures' ones too)."""
    yield
    while _created:
        release_database(_created[-1])
    for drop in _drops:
        drop.result()  # a drop that failed fails the run


def environ_for(folder: Path, redis_url: str) -> dict[str, str]:
    """AUTOGRADER_* variables of a test: a fresh database, a queue of its own, the project's exercises."""
    return {
        "AUTOGRADER_DATABASE_URL": database_url_for(folder),
        "AUTOGRADER_REDIS_URL": redis_url,
        "AUTOGRADER_QUEUE_NAME": f"test-{uuid.uuid4().hex[:12]}",
        "AUTOGRADER_EXERCISES_DIR": str(PROJECT_ROOT / "exercises"),
    }


@pytest.fixture
def settings_env(tmp_path, redis_url, monkeypatch):
    """AUTOGRADER_* variables for this test, so the app and the worker read the same settings."""
    environ = environ_for(tmp_path, redis_url)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    yield environ
    release_database(environ["AUTOGRADER_DATABASE_URL"])


@contextmanager
def running_app(environ: dict[str, str], *, prepare: bool = True) -> Iterator[Flask]:
    """The web app on a fresh database with the exercise bank loaded; jobs run in this process share its services.

    prepare=False: the database is used as it is (it must have been prepared before), nothing is loaded into it.
    """
    services = Services.build(load_settings(environ))
    if prepare:
        services.prepare_database()
        specs, problems = read_bank(services.settings.exercises_dir)
        assert not problems
        with services.sessions.begin() as session:
            store_specs(session, specs)
    process_services.use(services)
    yield create_app({"SERVICES": services, "SECRET_KEY": "test", "TESTING": True, "WTF_CSRF_ENABLED": False})
    process_services.use(None)
    # A test may have pointed the app at a Redis that is not there: asked once, not with the app's retries.
    once = Redis.from_url(services.settings.redis_url, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
    with contextlib.suppress(RedisError), once:
        for queue in (services.queue, later_queue(services.queue)):
            Queue(queue.name, connection=once, serializer=queue.serializer).delete(delete_jobs=True)
    services.close()


@pytest.fixture
def app(settings_env):
    """The web app on a fresh database with the exercise bank loaded; jobs run in this process share its services."""
    with running_app(settings_env) as built:
        yield built


@pytest.fixture
def app_with(settings_env, monkeypatch):
    """Build the app with more AUTOGRADER_* variables, set for the test's commands too: app_with(**variables)."""
    with ExitStack() as stack:

        def build(**variables: str) -> Flask:
            for name, value in variables.items():
                monkeypatch.setenv(name, value)
            return stack.enter_context(running_app(settings_env | variables))

        yield build


@pytest.fixture
def mail_servers():
    """Start real SMTP servers (aiosmtpd) on free local ports: start() plain, start(password=...) with a login."""
    controllers: list[Controller] = []

    def start(password: str | None = None) -> MailServer:
        server = MailServer(password=password)
        # aiosmtpd offers AUTH without TLS only when told to: these servers listen on 127.0.0.1 alone.
        options = {"authenticator": server.authenticate, "auth_require_tls": False} if password is not None else {}
        controller = Controller(server, hostname="127.0.0.1", port=server.port, **options)
        controller.start()  # returns once the server has answered a connection of its own: ready, no sleeping
        controllers.append(controller)
        return server

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def mail_server(mail_servers) -> MailServer:
    """A real SMTP server on this host that takes every email without a login."""
    return mail_servers()


@pytest.fixture
def client(app):
    """A browser without cookies yet."""
    return app.test_client()


@pytest.fixture
def drain_queue(app):
    """Run the grading queue to empty in this process with a real RQ worker, as RQ's own tests do."""

    def drain() -> None:
        drain_queues(app)

    return drain
