"""Fixtures: a real database file, a real Redis queue of its own, real Docker, a real mail server; nothing is faked."""

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import docker
import docker.errors
import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from grader import services as process_services
from grader.authoring.reader import read_bank
from grader.authoring.store import store_specs
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


def environ_for(folder: Path, redis_url: str) -> dict[str, str]:
    """AUTOGRADER_* variables of a test: a database in folder, a queue of its own, the project's exercises."""
    return {
        "AUTOGRADER_DATABASE_URL": f"sqlite:///{folder / 'test.db'}",
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
    return environ


@contextmanager
def running_app(environ: dict[str, str]) -> Iterator[Flask]:
    """The web app on a fresh database with the exercise bank loaded; jobs run in this process share its services."""
    services = Services.build(load_settings(environ))
    services.prepare_database()
    specs, problems = read_bank(services.settings.exercises_dir)
    assert not problems
    with services.sessions.begin() as session:
        store_specs(session, specs)
    process_services.use(services)
    yield create_app({"SERVICES": services, "SECRET_KEY": "test", "TESTING": True, "WTF_CSRF_ENABLED": False})
    process_services.use(None)
    with contextlib.suppress(RedisError):  # a test may have pointed the app at a Redis that is not there
        for queue in (services.queue, later_queue(services.queue)):
            queue.delete(delete_jobs=True)
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
