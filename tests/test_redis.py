"""What Redis holds and how we reach it: jobs as JSON, never pickle."""

import json
import uuid
import zlib

import pytest

from grader.grading.queue import enqueue_grading, grading_queue, job_id
from grader.models import Status, Submission
from tests.factories import login, make_user, services_of, sessions

pytestmark = pytest.mark.integration

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'


def test_a_grading_job_is_stored_as_json_and_a_worker_grades_it(app, client, docker_client, drain_queue):
    login(client, make_user(app))
    client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT})
    with sessions(app)() as session:
        submission = session.query(Submission).one()
    queue = services_of(app).queue
    raw = queue.connection.hget(f"rq:job:{job_id(queue.name, submission.id, submission.attempt)}", "data")
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
            job = queue.fetch_job(job_id(queue.name, 1, 1))
            assert job is not None and job.origin == queue.name and job.args == [1, 1]
            assert queue.job_ids == [job.id]
        assert first.job_ids != second.job_ids
    finally:
        for queue in (first, second):
            queue.delete(delete_jobs=True)
            queue.connection.close()
