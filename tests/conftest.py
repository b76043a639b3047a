"""Fixtures: a real database file, a real Redis queue of its own, real Docker; nothing is faked."""

import subprocess
import sys
import uuid

import docker
import docker.errors
import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker

from grader import services as process_services
from grader.authoring.reader import read_bank
from grader.authoring.store import store_specs
from grader.services import Services
from grader.settings import PROJECT_ROOT, load_settings
from tests.factories import services_of
from web import create_app

pytest_plugins = ["tests.browsing"]  # the browser tests' fixtures: live_server, browser

TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
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
        pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL} ({error}); run the tests with `make test`.")
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


@pytest.fixture
def settings_env(tmp_path, redis_url, monkeypatch):
    """AUTOGRADER_* variables for this test, so the app and the worker read the same settings."""
    environ = {
        "AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
        "AUTOGRADER_REDIS_URL": redis_url,
        "AUTOGRADER_QUEUE_NAME": f"test-{uuid.uuid4().hex[:12]}",
        "AUTOGRADER_EXERCISES_DIR": str(PROJECT_ROOT / "exercises"),
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return environ


@pytest.fixture
def app(settings_env):
    """The web app on a fresh database with the exercise bank loaded; jobs run in this process share its services."""
    services = Services.build(load_settings(settings_env))
    services.prepare_database()
    specs, problems = read_bank(services.settings.exercises_dir)
    assert not problems
    with services.sessions.begin() as session:
        store_specs(session, specs)
    process_services.use(services)
    yield create_app({"SERVICES": services, "SECRET_KEY": "test", "TESTING": True, "WTF_CSRF_ENABLED": False})
    process_services.use(None)
    services.queue.delete(delete_jobs=True)
    services.close()


@pytest.fixture
def client(app):
    """A browser without cookies yet."""
    return app.test_client()


@pytest.fixture
def drain_queue(app):
    """Run the grading queue to empty in this process with a real RQ worker, as RQ's own tests do."""
    queue = services_of(app).queue

    def drain() -> None:
        SimpleWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=False)

    return drain
