"""The JSON API: token auth, listing, submitting, reading, and its answers to bad input."""

import pytest
from sqlalchemy import func, select

from grader.models import Submission
from tests.factories import make_token, make_user, sessions


@pytest.fixture
def api(app):
    """A client that sends a learner's token with every request."""
    token = make_token(app, make_user(app))
    client = app.test_client()

    def call(method, path, **kwargs):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return call


def stored(app) -> int:
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(Submission))


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
def test_missing_or_wrong_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/exercises", headers=headers)
    assert response.status_code == 401
    assert response.json["error"] == "Unauthorized"


def test_lists_exercises(api):
    response = api("GET", "/api/v1/exercises")
    assert response.status_code == 200
    assert {"slug": "hello-name", "title": "Say hello", "week": 1, "max_score": 10.0} in response.json


def test_submit_answers_202_and_the_submission_can_be_read(app, api):
    response = api("POST", "/api/v1/exercises/hello-name/submissions", json={"files": {"hello.py": "x = 1\n"}})
    assert response.status_code == 202
    body = response.json
    shown = api("GET", f"/api/v1/submissions/{body['id']}").json
    assert body["url"].endswith(f"/api/v1/submissions/{body['id']}")
    assert shown["status"] == "queued" and shown["exercise"] == "hello-name" and shown["tests"] == []
    assert set(shown) >= {
        "id",
        "exercise",
        "status",
        "outcome",
        "score",
        "max_score",
        "tests",
        "created_at",
        "graded_at",
    }


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"files": {}}, 400, "empty"),
        ({"files": {"hello.py": ""}}, 400, "empty"),
        ({"files": {"conftest.py": "x"}}, 400, "not a file of this exercise"),
        ({"files": {"hello.py": 5}}, 400, "must be text"),
        ({"files": {"hello.py": "x" * 70_000}}, 413, "largest file"),
        ({"files": "hello.py"}, 400, "Send JSON like"),
        ([1, 2], 400, "Send JSON like"),
    ],
)
def test_bad_submissions_are_refused_and_nothing_is_stored(app, api, body, status, message):
    response = api("POST", "/api/v1/exercises/hello-name/submissions", json=body)
    assert response.status_code == status
    assert message in response.json["message"]
    assert stored(app) == 0


def test_body_that_is_not_json_is_400(app, api):
    response = api(
        "POST", "/api/v1/exercises/hello-name/submissions", data=b"\xff\xfe", content_type="application/json"
    )
    assert response.status_code == 400
    assert stored(app) == 0


def test_unknown_exercise_is_404(api):
    response = api("POST", "/api/v1/exercises/nope/submissions", json={"files": {"hello.py": "x"}})
    assert response.status_code == 404


def test_another_learners_submission_is_404(app, api):
    other = make_token(app, make_user(app))
    client = app.test_client()
    created = client.post(
        "/api/v1/exercises/hello-name/submissions",
        json={"files": {"hello.py": "x = 1\n"}},
        headers={"Authorization": f"Bearer {other}"},
    ).json
    assert api("GET", f"/api/v1/submissions/{created['id']}").status_code == 404
    assert api("GET", "/api/v1/submissions/999999").status_code == 404
