"""Security headers on every response, the proxy's headers trusted only behind HTTPS, and the pages' scripts
working under the Content-Security-Policy in a real headless Chromium."""

import re
from datetime import date, datetime, timedelta

import pytest
from flask import request, url_for

from grader.models import Status
from tests.browsing import new_context
from tests.factories import login, make_cohort, make_user, record_submission

EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize("path", ["/login", "/static/style.css", "/api/v1/exercises", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()  # a static file's response holds the file open
    policy = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy.split("; "), f"{directive} missing from {policy}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for name, value in EVERY_RESPONSE.items():
        assert response.headers[name] == value, name
    assert "Strict-Transport-Security" not in response.headers, "HSTS over plain HTTP would lock a test site out"


def test_only_the_editors_page_allows_a_style_element_and_only_with_its_own_nonce(app, client):
    login(client, make_user(app))
    nonces = []
    for _ in range(2):
        page = client.get("/exercises/hello-name")
        nonce = re.search(r"style-src 'self' 'nonce-([\w-]+)'", page.headers["Content-Security-Policy"])
        assert nonce and f'nonce="{nonce[1]}"' in page.text, "the editor's script carries the policy's nonce"
        nonces.append(nonce[1])
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 22, "a nonce is new and long for each page"
    assert "nonce" not in client.get("/").headers["Content-Security-Policy"]


def where_am_i() -> dict[str, str]:
    """What the app believes of the request: who sent it, and the links it makes."""
    return {"remote_addr": request.remote_addr or "", "login": url_for("auth.login", _external=True)}


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "grader.example.org"}


def test_behind_https_the_proxys_headers_are_trusted_and_cookies_are_secure(app_with):
    app = app_with(AUTOGRADER_HTTPS="true")
    app.add_url_rule("/where-am-i", view_func=where_am_i)
    client = app.test_client()
    seen = client.get("/where-am-i", headers=FORWARDED)
    assert seen.json == {"remote_addr": "203.0.113.7", "login": "https://grader.example.org/login"}
    assert seen.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(seen.headers["Strict-Transport-Security"].removeprefix("max-age=")) >= 180 * 24 * 3600
    learner = make_user(app)
    logged_in = client.post(
        "/login", data={"email": learner.email, "password": "correct horse"}, headers=FORWARDED, base_url="https://x"
    )
    cookie = logged_in.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_without_https_forwarded_headers_are_ignored(app):
    app.add_url_rule("/where-am-i", view_func=where_am_i)
    seen = app.test_client().get("/where-am-i", headers=FORWARDED)
    # Anyone may send these headers when no proxy is in front: trusting them would let a client pick its address.
    assert seen.json == {"remote_addr": "127.0.0.1", "login": "http://localhost/login"}


WATCH_POLICY = """() => {
  window.policyViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => window.policyViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`));
}"""


def watched_page(context):
    """A page whose CSP violations (as events and console lines) and script errors are collected in page.problems."""
    context.add_init_script(f"({WATCH_POLICY})()")  # runs before the page's own scripts, exempt from its policy
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda line: problems.append(line.text) if "Content Security Policy" in line.text else None)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.problems = problems
    return page


def no_problems(page) -> list[str]:
    return page.problems + page.evaluate("() => window.policyViolations")


@pytest.mark.integration
def test_the_pages_scripts_work_under_the_policy(app, live_server, browser):
    """The editor, the submission page that follows grading, the charts and the authors' confirmation all run."""
    coach = make_user(app, role="coach")
    author = make_user(app, role="author")
    learners = [make_user(app, name=name) for name in ("Amina", "Bram")]
    make_cohort(app, coach, start=date.today() - timedelta(days=9), learners=learners, name="Policy cohort")
    record_submission(app, learners[0], "temperature", datetime.now() - timedelta(days=3))
    record_submission(app, learners[1], "hello-name", datetime.now() - timedelta(days=2))
    waiting = record_submission(
        app, learners[0], "hello-name", datetime.now(), status=Status.QUEUED, outcome=None, graded_at=None
    )

    learner_page = watched_page(new_context(browser, live_server, app, learners[0]))
    learner_page.goto(f"{live_server}/")
    learner_page.wait_for_selector("canvas#home-chart[data-drawn=true]")
    learner_page.goto(f"{live_server}/exercises/hello-name")
    learner_page.wait_for_selector(".cm-editor .cm-content")
    # CodeMirror's own style sheet applied: its editor is a flex column, which no style of ours says.
    assert learner_page.eval_on_selector(".cm-editor", "e => getComputedStyle(e).flexDirection") == "column"
    assert learner_page.evaluate("() => document.querySelector('#code-1').editorView !== undefined")
    with learner_page.expect_response(lambda response: response.url.endswith(f"/submissions/{waiting}/result")):
        learner_page.goto(f"{live_server}/submissions/{waiting}")  # its script asks for the result until graded
    assert not no_problems(learner_page)

    coach_page = watched_page(new_context(browser, live_server, app, coach))
    coach_page.goto(f"{live_server}/coach/")
    coach_page.click("text=Policy cohort")
    coach_page.wait_for_selector("canvas#cohort-chart[data-drawn=true]")
    assert not no_problems(coach_page)

    author_page = watched_page(new_context(browser, live_server, app, author))
    author_page.goto(f"{live_server}/authors/")
    questions: list[str] = []
    author_page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    author_page.locator("button", has_text="Regrade all").first.click()
    assert questions == ["Grade every submission of this exercise again?"]
    assert author_page.url == f"{live_server}/authors/", "a cancelled regrade was sent anyway"
    assert not no_problems(author_page)
