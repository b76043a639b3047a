"""Faults of the real services: whatever breaks, each accepted submission is graded exactly once."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grader.db import make_engine
from grader.grading.caretaker import Caretaker
from grader.grading.jobs import grade
from grader.grading.reconciler import reconcile
from grader.grading.submissions import regrade
from grader.models import Outcome, Status, Submission, TestResult
from grader.settings import PROJECT_ROOT
from sandbox.container import DEADLINE_LABEL, LABEL, OWNER_LABEL, owner
from sandbox.reaper import reap
from tests.factories import login, make_user, my_sandbox_containers, services_of, sessions, stored_verdicts

pytestmark = pytest.mark.integration

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'
SLOW_CORRECT = "import time\ntime.sleep(2)\n" + CORRECT
ENSURE_SERVICES = str(PROJECT_ROOT / "scripts" / "ensure-services.sh")


@pytest.fixture
def learner(app, client, docker_client):
    login(client, make_user(app))
    return client


def submit(client, code=CORRECT) -> int:
    location = client.post("/exercises/hello-name/submissions", data={"code:hello.py": code}).location
    return int(location.rsplit("/", 1)[1])


def row(app, submission_id) -> Submission:
    with sessions(app)() as session:
        return session.get(Submission, submission_id)


def wait_for_status(app, submission_id, status, seconds=30) -> None:
    deadline = time.monotonic() + seconds
    while row(app, submission_id).status != status:
        assert time.monotonic() < deadline, f"submission {submission_id} never became {status}"
        time.sleep(0.1)


def assert_graded_once(app, submission_id, outcome=Outcome.PASSED) -> Submission:
    submission = row(app, submission_id)
    assert submission.status == Status.GRADED and submission.outcome == outcome
    # The audit only ever grows: a second grading would add a row where result rows would be replaced.
    assert stored_verdicts(app, submission_id) == [(submission.attempt, outcome)]
    with sessions(app)() as session:
        results = session.scalar(
            select(func.count()).select_from(TestResult).where(TestResult.submission_id == submission_id)
        )
    assert results == 3  # one row per test of hello-name
    return submission


def assert_no_container_left(docker_client) -> None:
    assert my_sandbox_containers(docker_client) == []


def test_worker_killed_mid_grading(app, learner, drain_queue, docker_client):
    submission_id = submit(learner, SLOW_CORRECT)
    worker = subprocess.Popen([sys.executable, "-m", "grader.cli", "worker"], stderr=subprocess.DEVNULL)
    label = f"{OWNER_LABEL}={owner(worker.pid)}"  # read while it lives: the label holds its start time
    try:
        wait_for_status(app, submission_id, Status.RUNNING)
        time.sleep(0.5)  # let the container start
    finally:
        worker.kill()
        worker.wait()
    # The dead worker's containers (the one grading, those waiting) outlive it; its owner gone, the reaper removes them.
    left = docker_client.containers.list(all=True, filters={"label": label})
    assert left and reap(docker_client, owner=label.split("=", 1)[1]) == len(left)
    queue = services_of(app).queue
    assert reconcile(sessions(app), queue, lease_seconds=0).requeued == [submission_id]
    drain_queue()
    assert assert_graded_once(app, submission_id).attempt == 2
    assert_no_container_left(docker_client)


def test_redis_restarted_and_emptied_while_submissions_wait(app, learner, drain_queue, docker_client):
    waiting = [submit(learner) for _ in range(2)]  # as many as a learner may have waiting
    redis = services_of(app).queue.connection
    redis.flushdb()
    redis.shutdown(nosave=True)
    subprocess.run([ENSURE_SERVICES], check=True, capture_output=True)
    queue = services_of(app).queue
    assert queue.count == 0  # the jobs are gone; the database still has the submissions
    assert sorted(reconcile(sessions(app), queue, queued_grace_seconds=0).requeued) == waiting
    drain_queue()
    for submission_id in waiting:
        assert_graded_once(app, submission_id)
    assert_no_container_left(docker_client)


def test_docker_daemon_crashing_mid_run(app, learner, drain_queue, docker_client):
    submission_id = submit(learner, SLOW_CORRECT)

    def restart_docker():
        wait_for_status(app, submission_id, Status.RUNNING)
        time.sleep(0.5)
        pid = int(Path("/var/run/docker.pid").read_text())
        # Killed outright, as in a crash: a gentle stop would let a two-second run finish before it ends.
        os.kill(pid, signal.SIGKILL)
        while Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
        subprocess.run([ENSURE_SERVICES], check=True, capture_output=True)

    restarter = threading.Thread(target=restart_docker)
    restarter.start()
    drain_queue()
    restarter.join()
    submission = assert_graded_once(app, submission_id)
    assert submission.score == 10.0  # the learner is never charged for our failure
    assert submission.attempt >= 2  # the restart ended the first attempt's run: it really hit the run
    # A container the daemon could not remove while it was down goes at the worker's next round of chores.
    Caretaker(sessions(app), services_of(app).queue).run_once()
    assert_no_container_left(docker_client)


def test_a_container_left_behind_is_reaped(docker_client):
    image = docker_client.images.get("autograder-python:latest")
    now, me = int(time.time()), owner()
    labels = {LABEL: "1", OWNER_LABEL: me}
    expired = docker_client.containers.create(image.id, labels={**labels, DEADLINE_LABEL: str(now - 1)})
    current = docker_client.containers.create(image.id, labels={**labels, DEADLINE_LABEL: str(now + 600)})
    try:
        assert reap(docker_client, owner=me) == 1
        remaining = [c.id for c in docker_client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={me}"})]
        assert remaining == [current.id]
        assert expired.id not in remaining
    finally:
        current.remove(force=True)


def test_database_briefly_locked(app, learner, drain_queue, docker_client, settings_env):
    submission_id = submit(learner)
    url = settings_env["AUTOGRADER_DATABASE_URL"]
    locked = threading.Event()

    def hold_lock():  # for two seconds: the whole SQLite file, or (PostgreSQL) the table of submissions
        if url.startswith("sqlite:///"):
            connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            connection.execute("BEGIN EXCLUSIVE")
            locked.set()
            time.sleep(2)
            connection.execute("ROLLBACK")
            connection.close()
            return
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("LOCK TABLE submissions IN ACCESS EXCLUSIVE MODE")
            locked.set()
            time.sleep(2)
        engine.dispose()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait()
    started = time.monotonic()
    drain_queue()
    holder.join()
    assert time.monotonic() - started >= 1.5  # the worker waited for the lock instead of failing
    assert_graded_once(app, submission_id)
    assert_no_container_left(docker_client)


def test_a_job_delivered_twice_is_graded_once(app, learner, drain_queue, docker_client):
    submission_id = submit(learner)
    services = services_of(app)
    # Two deliveries of the same job reach the grading code at once, as after a worker lost its
    # connection to Redis while the job was redelivered to another.
    both_started = threading.Barrier(2)

    def deliver() -> str:
        both_started.wait()
        return grade(services, submission_id, 1)

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(lambda _: deliver(), range(2)))
    assert answers == ["graded", "stale"]
    assert assert_graded_once(app, submission_id).attempt == 1
    # And the job RQ still holds, delivered a third time through a worker, changes nothing.
    drain_queue()
    assert_graded_once(app, submission_id)
    assert_no_container_left(docker_client)


def test_regrade_reaches_submissions_still_running(app, learner, drain_queue, docker_client):
    submission_id = submit(learner)
    with sessions(app).begin() as session:
        session.get(Submission, submission_id).status = Status.RUNNING  # as if a worker held it
    with sessions(app)() as session:
        exercise = session.get(Submission, submission_id).exercise
        assert regrade(session, services_of(app).queue, exercise) == 1
    drain_queue()
    submission = assert_graded_once(app, submission_id)
    assert submission.attempt == 2 and submission.regrades == 1 and submission.tries == 0
