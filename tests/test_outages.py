"""When the sandbox cannot run, or runs and fails, nothing is lost, the learner is charged nothing and reads why."""

import contextlib
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import docker.errors
import pytest
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from grader.grading import jobs, lifecycle
from grader.grading.queue import enqueue_grading, grading_queue, job_id, later_queue, queues_of
from grader.grading.reconciler import reconcile
from grader.grading.submissions import regrade
from grader.grading.worker import SANDBOX_DOWN, GradingWorker, release_due_jobs
from grader.models import Exercise, Outcome, Status, Submission
from grader.settings import load_settings
from tests.factories import (
    drain_queues,
    free_port,
    login,
    make_user,
    record_submission,
    services_of,
    sessions,
    stored_verdicts,
)

pytestmark = pytest.mark.integration

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'


def submit(client) -> int:
    location = client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).location
    return int(location.rsplit("/", 1)[1])


def learner_of(app):
    client = app.test_client()
    login(client, make_user(app))
    return client


def row(app, submission_id) -> Submission:
    with sessions(app)() as session:
        return session.get(Submission, submission_id)


def wait_until(condition, seconds=60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)


@pytest.fixture
def absent_image(docker_client):
    """The name of a sandbox image that is not there (yet); the test may tag the real one with it."""
    name = f"autograder-python:absent-{uuid.uuid4().hex[:8]}"
    yield name
    with contextlib.suppress(docker.errors.ImageNotFound):
        docker_client.images.remove(name)  # only the tag: the real image stays


def test_while_the_image_is_missing_no_job_is_taken_and_none_is_charged(app_with, absent_image, docker_client):
    app = app_with(AUTOGRADER_SANDBOX_IMAGE=absent_image)
    submission_id = submit(learner_of(app))
    services = services_of(app)
    queue = services.queue
    seen: dict[str, object] = {}
    worker = GradingWorker(queues_of(queue), image=absent_image, connection=queue.connection)

    def bring_the_image_back() -> None:
        try:
            # The worker says in Redis why it waits; only then does the image come back.
            wait_until(lambda: queue.connection.hget(worker.key, "state") == SANDBOX_DOWN.encode())
            submission = row(app, submission_id)
            seen.update(status=submission.status, tries=submission.tries, attempt=submission.attempt)
            seen.update(waiting=queue.count)
        finally:  # whatever happened, the worker must be able to finish
            docker_client.images.get(load_settings({}).sandbox_image).tag(*absent_image.split(":"))

    helper = threading.Thread(target=bring_the_image_back)
    helper.start()
    worker.work(burst=True)  # here, in the main thread, as RQ needs for its signals
    helper.join()
    assert seen == {"status": Status.QUEUED, "tries": 0, "attempt": 1, "waiting": 1}  # untouched while it waited
    assert stored_verdicts(app, submission_id) == [(1, Outcome.PASSED)]
    assert row(app, submission_id).tries == 0


def test_a_run_that_finds_docker_gone_waits_for_it_free_of_charge(app, drain_queue, monkeypatch):
    client = learner_of(app)
    submission_id = submit(client)
    services = services_of(app)
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")  # the daemon is unreachable
    assert jobs.grade(services, submission_id, 1) == "waiting for the sandbox"
    submission = row(app, submission_id)
    assert (submission.status, submission.attempt, submission.tries) == (Status.QUEUED, 2, 0)
    assert job_id(services.queue, submission_id, 2) in services.queue.job_ids  # first in line, not held back
    page = client.get(f"/submissions/{submission_id}").text
    assert "the grader is paused for a moment" in page
    assert "docker" not in page.lower() and "nonexistent" not in page  # Docker's words go to the log only
    monkeypatch.delenv("DOCKER_HOST")
    drain_queue()
    assert stored_verdicts(app, submission_id) == [(2, Outcome.PASSED)]
    assert row(app, submission_id).tries == 0
    assert "the grader is paused" not in client.get(f"/submissions/{submission_id}").text


def test_a_sandbox_that_fails_while_docker_is_fine_is_tried_with_pauses_then_given_up(app_with, monkeypatch):
    # A runtime Docker does not know: the daemon answers and the image is there, yet every run fails.
    app = app_with(AUTOGRADER_SANDBOX_RUNTIME="no-such-runtime", AUTOGRADER_GRADING_ATTEMPTS="1")
    monkeypatch.setattr(jobs, "REQUEUE_BASE_SECONDS", 0.05)  # the pauses' shape, not their length, is tested
    client = learner_of(app)
    submission_id = submit(client)
    services = services_of(app)
    assert jobs.grade(services, submission_id, 1) == "requeued"
    submission = row(app, submission_id)
    assert (submission.status, submission.attempt, submission.tries) == (Status.QUEUED, 2, 1)
    held_back = ScheduledJobRegistry(queue=services.queue).get_job_ids()
    assert held_back == [job_id(services.queue, submission_id, 2)]  # it waits its pause before a worker sees it
    assert "being graded again" in client.get(f"/submissions/{submission_id}").text
    drain_queues(app)
    submission = row(app, submission_id)
    assert submission.outcome == Outcome.INFRASTRUCTURE and submission.tries == lifecycle.MAX_TRIES
    assert stored_verdicts(app, submission_id) == [(lifecycle.MAX_TRIES + 1, Outcome.INFRASTRUCTURE)]
    page = client.get(f"/submissions/{submission_id}").text.lower()
    assert "runtime" not in page and "docker" not in page


def test_a_regrade_waits_behind_the_submissions_learners_wait_for(app, client, docker_client):
    amina, bram = make_user(app, name="Amina"), make_user(app, name="Bram")
    graded = [record_submission(app, amina, "hello-name", datetime(2026, 11, 2, hour)) for hour in (9, 10, 11)]
    services = services_of(app)
    with sessions(app)() as session:
        exercise = session.scalar(select(Exercise).where(Exercise.slug == "hello-name"))
        assert regrade(session, services.queue, exercise) == 3
    assert later_queue(services.queue).count == 3 and services.queue.count == 0
    login(client, bram)
    waited_for = submit(client)  # sent after the regrade began
    queue = services.queue
    GradingWorker(queues_of(queue), image=services.settings.sandbox_image, connection=queue.connection).work(
        burst=True, max_jobs=1
    )
    assert row(app, waited_for).status == Status.GRADED  # taken first
    assert all(row(app, submission_id).status == Status.QUEUED for submission_id in graded)


def test_a_submission_sent_while_redis_is_down_is_kept_and_queued_once_it_is_back(app_with, settings_env):
    app = app_with(AUTOGRADER_REDIS_URL=f"redis://127.0.0.1:{free_port()}/15")  # nothing listens there
    client = learner_of(app)
    answer = client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT})
    assert answer.status_code == 302  # the learner is taken to the submission, as always
    submission_id = int(answer.location.rsplit("/", 1)[1])
    assert "being checked" in client.get(answer.location).text
    # Redis is back (the real one): the reconciler finds the submission that waits without a job.
    back = grading_queue(settings_env["AUTOGRADER_REDIS_URL"], services_of(app).queue.name)
    try:
        assert reconcile(sessions(app), back, queued_grace_seconds=0).requeued == [submission_id]
        assert job_id(back, submission_id, 2) in back.job_ids
    finally:
        back.delete(delete_jobs=True)


def test_a_job_taken_from_the_line_by_a_worker_that_died_is_queued_again(app):
    client = learner_of(app)
    taken, started_long_ago, started_just_now = submit(client), submit(client), submit(learner_of(app))
    queue = services_of(app).queue
    # Each worker was killed right after taking its job from the line: the jobs are in no line any more,
    # yet Redis still says queued, or started (by a worker that never got to claim the submission).
    assert queue.connection.delete(queue.key) == 1
    for submission_id, seconds_ago in ((started_long_ago, 120), (started_just_now, 1)):
        job = Job.fetch(job_id(queue, submission_id, 1), connection=queue.connection, serializer=queue.serializer)
        job.set_status(JobStatus.STARTED)
        job.started_at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
        job.save()
    assert sorted(reconcile(sessions(app), queue, queued_grace_seconds=0).requeued) == sorted([taken, started_long_ago])
    for submission_id in (taken, started_long_ago):
        assert job_id(queue, submission_id, 2) in queue.job_ids


def test_a_held_back_job_is_released_once_and_one_lost_on_the_way_is_found(app):
    submission_id = submit(learner_of(app))
    queue = services_of(app).queue
    queue.connection.delete(queue.key)  # the first job is not this test's concern
    with sessions(app).begin() as session:
        submission = session.get(Submission, submission_id)
        submission.status = Status.RUNNING  # as if a worker held it, then found every try failed
        next_attempt = lifecycle.new_attempt(submission)
    enqueue_grading(queue, submission_id, next_attempt, after_seconds=0.01)
    held_back = ScheduledJobRegistry(queue=queue)
    wait_until(lambda: held_back.get_jobs_to_schedule() != [])  # its pause is over
    with ThreadPoolExecutor(4) as pool:  # four workers look at once
        released = list(pool.map(lambda _: release_due_jobs(queues_of(queue)), range(4)))
    assert sum(released) == 1 and queue.job_ids == [job_id(queue, submission_id, next_attempt)]
    # A worker killed between taking it out of the held-back set and putting it in line loses it:
    queue.connection.delete(queue.key)
    job = Job.fetch(
        job_id(queue, submission_id, next_attempt), connection=queue.connection, serializer=queue.serializer
    )
    job.set_status(JobStatus.SCHEDULED)
    assert reconcile(sessions(app), queue, queued_grace_seconds=0).requeued == [submission_id]
