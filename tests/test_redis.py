"""What Redis holds and how we reach it: jobs as JSON, never pickle; a password in AUTOGRADER_REDIS_URL."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from redis import Redis
from redis.exceptions import AuthenticationError

from grader.cli import cli
from grader.grading.queue import enqueue_grading, grading_queue, job_id
from grader.models import Status, Submission
from grader.settings import PROJECT_ROOT, load_settings
from tests.factories import login, make_user, services_of, sessions

ENSURE_SERVICES = str(PROJECT_ROOT / "scripts" / "ensure-services.sh")

PASSWORD = 'p@ss w"rd:/%'
"""A password with what a URL must escape and a Redis configuration line must quote."""

pytestmark = pytest.mark.integration

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'


def test_a_grading_job_is_stored_as_json_and_a_worker_grades_it(app, client, docker_client, drain_queue):
    login(client, make_user(app))
    client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT})
    with sessions(app)() as session:
        submission = session.query(Submission).one()
    queue = services_of(app).queue
    raw = queue.connection.hget(f"rq:job:{job_id(queue, submission.id, submission.attempt)}", "data")
    # RQ compresses the data of a job; what it compresses must be JSON: loading it runs no code of Redis's choosing.
    function, instance, args, kwargs = json.loads(zlib.decompress(raw))
    assert (function, instance, args, kwargs) == (
        "grader.grading.jobs.grade_submission",
        None,
        [submission.id, submission.attempt],
        {},
    )
    drain_queue()
    with sessions(app)() as session:
        assert session.get(Submission, submission.id).status == Status.GRADED


def test_two_installations_on_one_redis_keep_their_own_jobs(redis_url):
    # Every database numbers its submissions from 1: the same submission and attempt exist in each installation.
    first, second = (grading_queue(redis_url, f"test-{uuid.uuid4().hex[:12]}") for _ in range(2))
    try:
        enqueue_grading(first, 1, 1)
        enqueue_grading(second, 1, 1)
        for queue in (first, second):
            job = queue.fetch_job(job_id(queue, 1, 1))
            assert job is not None and job.origin == queue.name and job.args == [1, 1]
            assert queue.job_ids == [job.id]
        assert first.job_ids != second.job_ids
    finally:
        for queue in (first, second):
            queue.delete(delete_jobs=True)
            queue.connection.close()


def ensure_services(redis_url: str) -> subprocess.CompletedProcess:
    """Run scripts/ensure-services.sh for this Redis URL."""
    environ = {**os.environ, "AUTOGRADER_REDIS_URL": redis_url}
    return subprocess.run([ENSURE_SERVICES], env=environ, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def password_redis() -> Iterator[str]:
    """A Redis of its own on a free port, started by ensure-services from a URL with a password; its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/0"
    started = ensure_services(url)
    assert started.returncode == 0, started.stderr
    assert f"starting Redis on 127.0.0.1:{port}" in started.stdout
    yield url
    with Redis.from_url(url) as redis:
        folder = Path(redis.config_get("dir")["dir"])
        redis.shutdown(nosave=True)
    assert folder.name == f"redis-{port}"  # its own folder, never the one of the Redis every checkout shares
    shutil.rmtree(folder)


def test_the_redis_ensure_services_starts_asks_for_the_password_of_the_url(password_redis):
    port = int(password_redis.rsplit(":", 1)[1].split("/")[0])
    with Redis(port=port) as anyone, pytest.raises(AuthenticationError):
        anyone.ping()
    with Redis.from_url(password_redis) as redis:
        assert redis.ping()
        assert redis.config_get("bind")["bind"] == "127.0.0.1"  # no other host may even try
        assert redis.config_get("protected-mode")["protected-mode"] == "yes"
    assert ensure_services(password_redis).returncode == 0  # running: its readiness is checked with the password


def test_a_redis_restarted_by_ensure_services_still_asks_for_the_password(password_redis):
    with Redis.from_url(password_redis) as redis:
        redis.shutdown(nosave=True)
    assert ensure_services(password_redis).returncode == 0
    port = int(password_redis.rsplit(":", 1)[1].split("/")[0])
    with Redis(port=port) as anyone, pytest.raises(AuthenticationError):
        anyone.ping()
    with Redis.from_url(password_redis) as redis:
        assert redis.ping()


@pytest.mark.parametrize("password", [":wrong@", ""])
def test_ensure_services_says_at_once_when_redis_refuses_the_password(password_redis, password):
    where = password_redis.rpartition("@")[2]
    started = time.monotonic()
    checked = ensure_services(f"redis://{password}{where}")
    assert checked.returncode == 1 and time.monotonic() - started < 30  # said at once, not after a minute
    assert "refuses the password of AUTOGRADER_REDIS_URL" in checked.stderr


def test_a_submission_is_graded_through_a_redis_with_a_password(password_redis, app_with, docker_client):
    app = app_with(AUTOGRADER_REDIS_URL=password_redis)
    client = app.test_client()
    login(client, make_user(app))
    location = client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).location
    worker = subprocess.run(
        [sys.executable, "-m", "grader.cli", "worker", "--burst"], capture_output=True, text=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr
    assert "✓ passed" in client.get(location + "/result").text


def test_a_command_says_redis_refused_the_password_without_showing_it(password_redis, settings_env, monkeypatch):
    wrong = password_redis.replace(quote(PASSWORD, safe=""), "hunter2")
    monkeypatch.setenv("AUTOGRADER_REDIS_URL", wrong)
    result = CliRunner().invoke(cli, ["worker", "--burst"])
    assert result.exit_code == 1
    assert "refuses the password of AUTOGRADER_REDIS_URL" in result.output and ":***@127.0.0.1" in result.output
    assert "hunter2" not in result.output


def test_the_tests_use_the_redis_and_password_of_autograder_redis_url(password_redis, tmp_path):
    # What `make test` does with a password: ensure-services starts Redis with it, then the tests must use it too.
    inner = ["tests/test_redis.py::test_two_installations_on_one_redis_keep_their_own_jobs", "-p", "no:cacheprovider"]

    def tests_with(redis_url: str) -> subprocess.CompletedProcess:
        environ = {**os.environ, "AUTOGRADER_REDIS_URL": redis_url}
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", *inner],
            cwd=PROJECT_ROOT,
            env=environ,
            capture_output=True,
            text=True,
        )

    passed = tests_with(password_redis)
    assert passed.returncode == 0 and "1 passed" in passed.stdout, passed.stdout
    refused = tests_with(password_redis.replace(":" + quote(PASSWORD, safe="") + "@", ""))
    assert refused.returncode != 0 and "Redis is not reachable at redis://127.0.0.1:" in refused.stdout


def test_the_redis_password_never_shows_in_a_repr(password_redis):
    assert quote(PASSWORD, safe="") not in repr(load_settings({"AUTOGRADER_REDIS_URL": password_redis}))
