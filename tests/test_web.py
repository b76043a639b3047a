"""The learner's pages: login, the exercises by week, a statement, and every kind of bad submission."""

import io

from sqlalchemy import func, select

from grader.models import Submission
from tests.factories import PASSWORD, login, make_user, multipart, services_of, sessions
from web import create_app


def count_submissions(app) -> int:
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(Submission))


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_wrong_password_is_refused_with_a_message(app, client):
    user = make_user(app)
    response = client.post("/login", data={"email": user.email, "password": "nope"})
    assert response.status_code == 400
    assert "do not match" in response.text


def test_exercises_are_listed_by_week(app, client):
    login(client, make_user(app))
    page = client.get("/").text
    assert "Week 1" in page and "Say hello" in page and "Initials" in page


def test_exercise_page_shows_statement_and_starter(app, client):
    login(client, make_user(app))
    page = client.get("/exercises/hello-name").text
    assert "<h1>Say hello</h1>" in page
    assert "def greet(name):" in page
    assert "test_other_names" not in page and "Bram" not in page  # hidden test code never reaches the browser


def test_statement_html_is_escaped(app, client):
    with sessions(app).begin() as session:
        from grader.models import Exercise

        exercise = session.scalar(select(Exercise).where(Exercise.slug == "hello-name"))
        exercise.statement = "Hi <script>alert(1)</script> [x](javascript:alert(1))"
    login(client, make_user(app))
    page = client.get("/exercises/hello-name").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_unknown_exercise_is_404(app, client):
    login(client, make_user(app))
    assert client.get("/exercises/no-such-thing").status_code == 404
    assert client.post("/exercises/no-such-thing/submissions", data={}).status_code == 404


def test_submitting_stores_and_redirects_to_the_submission(app, client):
    login(client, make_user(app))
    response = client.post("/exercises/hello-name/submissions", data={"code:hello.py": "def greet(n):\n    pass\n"})
    assert response.status_code == 302
    assert response.location.startswith("/submissions/")
    page = client.get(response.location).text
    assert "waiting" in page and "updates by itself" in page
    assert count_submissions(app) == 1


def submit_and_expect(app, client, data, status, message, content_type=None):
    response = client.post("/exercises/hello-name/submissions", data=data, content_type=content_type)
    assert response.status_code == status
    assert message in response.text
    assert count_submissions(app) == 0


def test_empty_submission_is_refused(app, client):
    login(client, make_user(app))
    submit_and_expect(app, client, {"code:hello.py": "   \n"}, 400, "Your submission is empty")


def test_a_file_the_exercise_does_not_expect_is_refused(app, client):
    login(client, make_user(app))
    upload = {"upload": (io.BytesIO(b"print(1)"), "conftest.py")}
    submit_and_expect(app, client, upload, 400, "is not a file of this exercise", "multipart/form-data")
    upload = {"upload": (io.BytesIO(b"print(1)"), "../hello.py")}
    submit_and_expect(app, client, upload, 400, "is not a file of this exercise", "multipart/form-data")


def test_a_file_over_the_size_limit_is_refused(app, client):
    login(client, make_user(app))
    big = "x = 1\n" * 20_000
    submit_and_expect(app, client, {"code:hello.py": big}, 413, "the largest file accepted")


def test_a_request_over_the_body_limit_is_refused(app, client):
    login(client, make_user(app))
    huge, content_type = multipart([("hello.py", b"#" * 3_000_000)])
    submit_and_expect(app, client, huge, 413, "too large", content_type)


def test_bytes_that_are_not_utf8_are_refused_and_the_code_kept(app, client):
    login(client, make_user(app))
    upload = {"upload": (io.BytesIO(b"print('caf\xe9')"), "hello.py")}
    submit_and_expect(app, client, upload, 400, "not plain text in UTF-8", "multipart/form-data")


def test_forms_need_a_csrf_token(app):
    strict = create_app({"SERVICES": services_of(app), "SECRET_KEY": "test", "TESTING": True})
    user = make_user(app)
    response = strict.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "open for a long time" in response.text


def test_a_learner_cannot_see_another_learners_submission(app, client):
    owner, other = make_user(app), make_user(app)
    login(client, owner)
    location = client.post("/exercises/hello-name/submissions", data={"code:hello.py": "x = 1\n"}).location
    client.post("/logout")
    login(client, other)
    assert client.get(location).status_code == 404
    assert client.get(location + "/result").status_code == 404


def test_after_login_only_a_path_of_this_site_is_followed_as_a_browser_reads_it(app):
    amina = make_user(app, name="Amina")
    tricks = ["/%09/evil.example", "/%0A/evil.example", "/%0D%0A//evil.example", "///evil.example", "/%5C/evil.example"]
    for trick in tricks:
        client = app.test_client()
        answer = client.post(f"/login?next={trick}", data={"email": amina.email, "password": PASSWORD})
        assert (answer.status_code, answer.headers["Location"]) == (302, "/"), trick
    answer = app.test_client().post(
        "/login?next=/exercises/hello-name", data={"email": amina.email, "password": PASSWORD}
    )
    assert answer.headers["Location"] == "/exercises/hello-name"
