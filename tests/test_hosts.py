"""Workers on two hosts, each with its own Docker, sharing one queue and one database.

A second Docker daemon on this machine stands in for the second host (tests/docker_hosts.py).
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import docker
import docker.errors
import pytest
from sqlalchemy import select

from grader.grading.caretaker import Caretaker
from grader.models import Outcome, Status, StoredVerdict, Submission
from sandbox.container import DEADLINE_LABEL, DOCKER_API_VERSION, LABEL, OWNER_LABEL, owner
from sandbox.reaper import reap
from tests.docker_hosts import second_docker_daemon
from tests.factories import login, make_user, services_of, sessions, wait_until

# Hosts share one PostgreSQL, as in production: make test runs this file in its run on PostgreSQL only.
pytestmark = [pytest.mark.integration, pytest.mark.postgres]

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'
WRONG = 'def greet(name):\n    return "Hello"\n'
SUBMISSIONS = 100
IMAGE = "autograder-python:latest"


@pytest.fixture(scope="module")
def host_b(docker_client) -> str:
    """DOCKER_HOST of the second host's daemon."""
    if os.geteuid() != 0:
        pytest.skip("starting a second Docker daemon needs root (`make test` runs as root in CI)")
    with second_docker_daemon(docker_client, IMAGE) as host:
        yield host


@pytest.fixture
def docker_b(host_b):
    client = docker.DockerClient(base_url=host_b, version=DOCKER_API_VERSION)
    yield client
    client.close()


@pytest.fixture
def shared_database(settings_env) -> dict[str, str]:
    """The database both hosts' workers share: the one place that names it (the test's own, on PostgreSQL)."""
    return {"AUTOGRADER_DATABASE_URL": settings_env["AUTOGRADER_DATABASE_URL"]}


@pytest.fixture
def shared_app(app_with, shared_database):
    """The site on the shared database and queue; one learner may have all the submissions waiting at once."""
    return app_with(
        **shared_database,
        AUTOGRADER_SUBMISSIONS_IN_FLIGHT=str(SUBMISSIONS),
        AUTOGRADER_SUBMISSIONS_PER_MINUTE=str(SUBMISSIONS),
    )


def start_worker(docker_host: str | None, log: Path) -> subprocess.Popen:
    """`autograder worker` with the test's settings, using the main daemon or the one docker_host names; what it
    says goes to log, shown when the test fails."""
    environ = {name: value for name, value in os.environ.items() if name != "DOCKER_HOST"}
    if docker_host is not None:
        environ["DOCKER_HOST"] = docker_host
    command = [sys.executable, "-m", "grader.cli", "worker"]
    with log.open("wb") as output:
        return subprocess.Popen(command, env=environ, stdout=output, stderr=subprocess.STDOUT)


def last_lines(log: Path, count: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-count:])


def stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)  # a warm stop: the worker removes its waiting sandboxes
    try:
        worker.wait(timeout=60)
    finally:
        worker.kill()
        worker.wait()


def sandboxes(client, owner_label: str | None = None) -> list:
    labels = [LABEL] if owner_label is None else [LABEL, f"{OWNER_LABEL}={owner_label}"]
    return client.containers.list(all=True, filters={"label": labels}, ignore_removed=True)


def sandbox_container(client, *, owner_label: str | None = None, deadline_in: float) -> str:
    """A sandbox-labelled container that never ran, with the owner and deadline given."""
    labels = {LABEL: "1", DEADLINE_LABEL: str(int(time.time() + deadline_in))}
    if owner_label is not None:
        labels[OWNER_LABEL] = owner_label
    return client.containers.create(IMAGE, labels=labels).id


def dead_process_label() -> str:
    """The owner label of a process of this machine that has ended."""
    process = subprocess.Popen(["sleep", "600"])
    label = owner(process.pid)  # read while it lives: the label holds its start time
    process.kill()
    process.wait()
    return label


def caretaker_round(app, monkeypatch, docker_host: str | None) -> None:
    """One round of a worker's chores (reconciler, reaper) with the Docker the worker of that host uses."""
    with monkeypatch.context() as env:
        if docker_host is None:
            env.delenv("DOCKER_HOST", raising=False)
        else:
            env.setenv("DOCKER_HOST", docker_host)
        Caretaker(sessions(app), services_of(app).queue).run_once()


def test_workers_on_two_hosts_grade_each_submission_once(
    shared_app, docker_client, docker_b, host_b, monkeypatch, tmp_path
):
    app = shared_app
    client = app.test_client()
    login(client, make_user(app))
    started = time.time()
    log_a, log_b = tmp_path / "worker-a.log", tmp_path / "worker-b.log"
    worker_a, worker_b = start_worker(None, log_a), start_worker(host_b, log_b)
    owner_a, owner_b = owner(worker_a.pid), owner(worker_b.pid)  # read while they live: they hold start times
    try:
        expected = {}
        for number in range(SUBMISSIONS):
            code = CORRECT if number % 3 else WRONG
            response = client.post("/exercises/hello-name/submissions", data={"code:hello.py": code})
            expected[int(response.location.rsplit("/", 1)[1])] = Outcome.PASSED if code == CORRECT else Outcome.FAILED

        def all_graded() -> bool:
            with sessions(app)() as session:
                statuses = session.scalars(select(Submission.status).where(Submission.id.in_(expected)))
                return all(status == Status.GRADED for status in statuses)

        try:
            wait_until(all_graded, 300, f"grading {SUBMISSIONS} submissions on two hosts")
        except AssertionError as error:
            with sessions(app)() as session:
                statuses = Counter(session.scalars(select(Submission.status).where(Submission.id.in_(expected))))
            raise AssertionError(
                f"{error}; submissions by status: {dict(statuses)}\n"
                f"worker A said:\n{last_lines(log_a)}\nworker B said:\n{last_lines(log_b)}"
            ) from None

        with sessions(app)() as session:
            outcomes = {row.id: row.outcome for row in session.execute(select(Submission.id, Submission.outcome))}
            verdicts = session.execute(select(StoredVerdict.submission_id, StoredVerdict.worker)).all()
        assert {submission_id: outcomes[submission_id] for submission_id in expected} == expected
        assert sorted(submission_id for submission_id, _ in verdicts) == sorted(expected)  # each graded once
        graded_by = Counter(worker.rsplit(":", 1)[1] for _, worker in verdicts)
        assert set(graded_by) == {str(worker_a.pid), str(worker_b.pid)}, graded_by  # both hosts graded some

        # Each worker ran its sandboxes on its own host's daemon, and only there.
        def created_by(client, label: str) -> int:
            events = client.events(
                since=int(started),
                until=int(time.time()) + 1,
                decode=True,
                filters={"type": "container", "event": "create", "label": f"{OWNER_LABEL}={label}"},
            )
            return sum(1 for _ in events)

        assert created_by(docker_client, owner_a) > 0 and created_by(docker_b, owner_a) == 0
        assert created_by(docker_b, owner_b) > 0 and created_by(docker_client, owner_b) == 0

        # The staff health page lists both workers, each with the Docker it runs sandboxes on.
        staff = app.test_client()
        login(staff, make_user(app, role="admin"))
        page = staff.get("/coach/health").get_data(as_text=True)
        for worker, endpoint in ((worker_a, "unix:///var/run/docker.sock"), (worker_b, host_b)):
            assert f"process {worker.pid}" in page and f"<code>{endpoint}</code>" in page, (worker.pid, endpoint)

        # The reaper only touches its own host's containers.
        expired = sandbox_container(docker_b, deadline_in=-1)  # ownerless and past its deadline
        of_dead_process = sandbox_container(docker_b, owner_label=dead_process_label(), deadline_in=600)
        of_live_b = sandbox_container(docker_b, owner_label=owner_b, deadline_in=600)
        of_live_a = sandbox_container(docker_b, owner_label=owner_a, deadline_in=600)
        planted = {expired, of_dead_process, of_live_b, of_live_a}

        def waiting_of_b() -> set[str]:  # worker B's pool: sandboxes started ahead, waiting for a job
            return {c.id for c in sandboxes(docker_b, owner_b) if c.status == "running"}

        wait_until(waiting_of_b, 60, "worker B keeping sandboxes waiting on its host")
        waiting_b = waiting_of_b()

        caretaker_round(app, monkeypatch, None)  # host A's round sees host A's daemon only
        assert planted <= {container.id for container in sandboxes(docker_b)}

        caretaker_round(app, monkeypatch, host_b)  # host B's round
        left = {container.id for container in sandboxes(docker_b)}
        assert expired not in left and of_dead_process not in left
        assert {of_live_b, of_live_a} | waiting_b <= left  # their owners run: nobody reaps them
    finally:
        stop(worker_a)
        stop(worker_b)
    for container in sandboxes(docker_b):
        if container.labels.get(OWNER_LABEL) in (owner_a, owner_b):
            container.remove(force=True)  # the two made above; the workers removed their own
    assert sandboxes(docker_b) == [] and sandboxes(docker_client, owner_a) == []


def test_a_dead_worker_of_another_machine_sharing_the_daemon_is_left_alone(docker_client):
    """Two machines may share a daemon and a host name, and the first PID namespace has the same number on every
    machine: a process gone here says nothing of a process there, whose sandboxes only their deadline removes."""
    dead_here = dead_process_label()
    this_boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    elsewhere = dead_here.replace(this_boot, str(uuid.uuid4()))  # the same, written on another machine
    created = [sandbox_container(docker_client, owner_label=label, deadline_in=600) for label in (dead_here, elsewhere)]
    try:
        assert reap(docker_client, owner=dead_here) == 1
        assert reap(docker_client, owner=elsewhere) == 0
        assert [container.id for container in sandboxes(docker_client, elsewhere)] == [created[1]]
    finally:
        for container_id in created:
            with contextlib.suppress(docker.errors.NotFound):
                docker_client.api.remove_container(container_id, force=True)
