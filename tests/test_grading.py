"""End to end through the real web app, real Redis, a real RQ worker and real Docker containers."""

import subprocess
import sys
import time

import pytest

from grader.models import Outcome
from tests.factories import login, make_token, make_user, my_sandbox_containers

pytestmark = pytest.mark.integration

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'
WRONG = 'def greet(name):\n    return f"Hello {name}"\n'


@pytest.fixture
def learner_client(app, client, docker_client):
    login(client, make_user(app))
    return client


def submit_and_grade(client, drain_queue, code: str, slug="hello-name", name="hello.py") -> tuple[str, str]:
    """Submit through the form, run the worker to empty, return the result fragment and the full page."""
    location = client.post(f"/exercises/{slug}/submissions", data={f"code:{name}": code}).location
    drain_queue()
    return client.get(location + "/result").text, client.get(location).text


def test_a_correct_solution_passes_with_every_test_listed(learner_client, drain_queue):
    result, _ = submit_and_grade(learner_client, drain_queue, CORRECT)
    assert 'data-status="graded"' in result
    assert "✓ passed" in result and "10 / 10 points" in result
    assert result.count('class="test passed"') == 3
    assert "Works for other names too." in result  # a hidden test shows its description


def test_a_wrong_solution_shows_which_test_failed_and_why(learner_client, drain_queue):
    result, _ = submit_and_grade(learner_client, drain_queue, WRONG)
    assert "✗ failed" in result
    assert result.count('class="test failed"') == 2
    assert "got:      &#39;Hello Amina&#39;" in result and "expected: &#39;Hello, Amina!&#39;" in result
    assert "Bram" not in result  # the hidden test's values stay hidden


def test_a_syntax_error_shows_the_line(learner_client, drain_queue):
    result, _ = submit_and_grade(learner_client, drain_queue, "def greet(name)\n    return name\n")
    assert "⚠ error" in result
    assert "hello.py, line 1" in result and "expected &#39;:&#39;" in result


def test_an_import_error_is_an_error_with_its_reason(learner_client, drain_queue):
    result, _ = submit_and_grade(learner_client, drain_queue, "def hello(name):\n    return name\n")
    assert "⚠ error" in result
    assert "cannot import name &#39;greet&#39;" in result


def test_an_endless_loop_times_out_within_the_exercise_limit(learner_client, drain_queue):
    started = time.monotonic()
    result, _ = submit_and_grade(learner_client, drain_queue, "while True:\n    pass\n")
    assert "⏱ too slow" in result and "more than 5 seconds" in result
    assert time.monotonic() - started < 5 + 5  # the limit, plus container start and stop


def test_earlier_submissions_are_listed_on_the_exercise_page(learner_client, drain_queue):
    submit_and_grade(learner_client, drain_queue, WRONG)
    submit_and_grade(learner_client, drain_queue, CORRECT)
    page = learner_client.get("/exercises/hello-name").text
    assert page.count("/submissions/") == 2
    assert "✓ passed" in page and "✗ failed" in page


def test_the_api_reports_the_graded_result(app, docker_client, drain_queue):
    token = make_token(app, make_user(app))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/exercises/temperature/submissions",
        json={"files": {"temperature.py": "def to_fahrenheit(c):\n    return c * 9 / 5 + 32\n"}},
        headers=headers,
    ).json
    drain_queue()
    body = client.get(f"/api/v1/submissions/{created['id']}", headers=headers).json
    assert body["status"] == "graded" and body["outcome"] == Outcome.PASSED
    assert body["score"] == body["max_score"] == 10.0
    assert [test["status"] for test in body["tests"]] == ["passed"] * 4
    assert [test["hidden"] for test in body["tests"]] == [False, False, True, True]
    assert body["graded_at"] is not None


def test_the_worker_command_grades_what_was_queued(app, learner_client, settings_env):
    location = learner_client.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).location
    worker = subprocess.run(
        [sys.executable, "-m", "grader.cli", "worker", "--burst"], capture_output=True, text=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr
    assert "✓ passed" in learner_client.get(location + "/result").text


def test_several_worker_processes_grade_each_submission_once(app, client, settings_env):
    from sqlalchemy import func, select

    from grader.models import Status, Submission
    from tests.factories import sessions

    learners = [make_user(app) for _ in range(4)]
    for learner in learners:
        headers = {"Authorization": f"Bearer {make_token(app, learner)}"}
        answer = client.post(
            "/api/v1/exercises/hello-name/submissions", json={"files": {"hello.py": CORRECT}}, headers=headers
        )
        assert answer.status_code == 202
    started = time.monotonic()
    workers = subprocess.run(
        [sys.executable, "-m", "grader.cli", "worker", "--burst", "--processes", "2"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert workers.returncode == 0, workers.stderr
    with sessions(app)() as session:
        statuses = session.execute(select(Submission.status, func.count()).group_by(Submission.status)).all()
    assert statuses == [(Status.GRADED, 4)], f"after {time.monotonic() - started:.1f} s: {statuses}"
    assert (workers.stdout + workers.stderr).count("Successfully completed") == 4  # each job once, by either worker


def test_no_sandbox_container_is_left_behind(learner_client, drain_queue, docker_client):
    submit_and_grade(learner_client, drain_queue, "while True:\n    pass\n")
    assert my_sandbox_containers(docker_client) == []
