"""Who may see what: every route of the site, asked by every role, about their own things and others'.

The expectations are a table: a route added to the site without a line here fails the matrix test by name.
The world: cohort A coached by coach A, with learner A1 and a submission of theirs; cohort B coached by coach B,
with learner B1 and a submission of theirs; an author with a reference run (a submission of their own); an admin.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from grader.models import ApiToken, Base, Cohort, Comment, Enrollment, Exercise, Submission, User
from grader.people.cohorts import CohortError, enrol
from grader.people.comments import add_comment
from grader.people.invites import create_invite
from grader.people.tokens import create_token
from tests.conftest import environ_for, running_app
from tests.factories import (
    cohort_today,
    login,
    make_cohort,
    make_token,
    make_user,
    multipart,
    record_submission,
    services_of,
    sessions,
)

ROLES = ("visitor", "learner", "other learner", "coach", "other coach", "author", "admin")
"""Who asks, in the order of each row of the table: no one logged in; learner A1; learner B1; coach A, who coaches
cohort A; coach B, who coaches cohort B; an author; an admin."""

LOGIN = "login"
"""Sent to log in first (302 to /login?next=…): a visitor's answer on every page that needs an account."""

REFUSED = (404, 401, LOGIN)
"""Answers that refuse: nothing may change in the database or the queue when one is given."""

LOGGED_IN = (LOGIN, 200, 200, 200, 200, 200, 200)
"""Anyone logged in."""

SUBMISSIONS = {
    "A1's": (LOGIN, 200, 404, 200, 404, 404, 200),
    "B1's": (LOGIN, 404, 200, 404, 200, 404, 200),
    "reference": (LOGIN, 404, 404, 404, 404, 200, 200),
    "unknown": (LOGIN, 404, 404, 404, 404, 404, 404),
}
"""A submission: its learner, a coach of a cohort they are in, its author (a reference run), an admin."""

API_SUBMISSIONS = {
    target: tuple(401 if status == LOGIN else status for status in row) for target, row in SUBMISSIONS.items()
}
"""The same through the API, where no token answers 401."""


def authors(allowed: int) -> dict[str, tuple]:
    """A page of authors and admins only."""
    return {"hello-name": (LOGIN, 404, 404, 404, 404, allowed, allowed)}


def cohorts(allowed: int) -> dict[str, tuple]:
    """A page of one cohort: its coach and admins only."""
    return {
        "A": (LOGIN, 404, 404, allowed, 404, 404, allowed),
        "B": (LOGIN, 404, 404, 404, allowed, 404, allowed),
    }


def learners(allowed: int) -> dict[str, tuple]:
    """A page of one learner of one cohort: the cohort's coach and admins, and only while the learner is in it."""
    return {
        "A, A1": (LOGIN, 404, 404, allowed, 404, 404, allowed),
        "A, B1": (LOGIN, 404, 404, 404, 404, 404, 404),  # coach B coaches B1, but not in cohort A
        "B, B1": (LOGIN, 404, 404, 404, allowed, 404, allowed),
    }


CODE = "def greet(name):\n    return name\n"
"""What every role submits to hello-name."""

EXPECTED: dict[tuple[str, str], dict[str, tuple]] = {
    # (endpoint, method): {what is asked about: answers in the order of ROLES}
    ("i18n.choose_language", "POST"): {"-": (302, 302, 302, 302, 302, 302, 302)},
    ("auth.login", "GET"): {"-": (200, 302, 302, 302, 302, 302, 302)},
    ("auth.login", "POST"): {"-": (400, 302, 302, 302, 302, 302, 302)},  # no password sent; logged in: go home
    ("auth.logout", "POST"): {"-": (LOGIN, 302, 302, 302, 302, 302, 302)},
    ("account.show", "GET"): {"-": LOGGED_IN},
    ("account.make_token", "POST"): {"-": (LOGIN, 201, 201, 201, 201, 201, 201)},
    ("account.revoke", "POST"): {"someone else's token": (LOGIN, 404, 404, 404, 404, 404, 404)},  # only its owner
    ("account.end_every_session", "POST"): {"-": (LOGIN, 302, 302, 302, 302, 302, 302)},
    ("auth.accept_invite", "GET"): {"pending invite": (200,) * 7, "unknown invite": (404,) * 7},
    ("auth.accept_invite", "POST"): {"pending invite": (400,) * 7, "unknown invite": (404,) * 7},  # no password
    ("exercises.index", "GET"): {"-": LOGGED_IN},
    ("exercises.show", "GET"): {"hello-name": LOGGED_IN},
    ("exercises.create_submission", "POST"): {"hello-name": (LOGIN, 302, 302, 302, 302, 302, 302)},
    ("submissions.show", "GET"): SUBMISSIONS,
    ("submissions.result", "GET"): SUBMISSIONS,
    ("api.list_exercises", "GET"): {"-": (401, 200, 200, 200, 200, 200, 200)},
    ("api.create_submission", "POST"): {"hello-name": (401, 202, 202, 202, 202, 202, 202)},
    ("api.show_submission", "GET"): API_SUBMISSIONS,
    ("authors.index", "GET"): {"-": (LOGIN, 404, 404, 404, 404, 200, 200)},
    ("authors.preview", "GET"): authors(200),
    ("authors.run_reference", "POST"): authors(302),
    ("authors.regrade_all", "POST"): authors(302),
    ("coach.index", "GET"): {"-": (LOGIN, 404, 404, 200, 200, 404, 200)},
    ("coach.create", "POST"): {"-": (LOGIN, 404, 404, 302, 302, 404, 302)},
    ("coach.cohort", "GET"): cohorts(200),
    ("coach.update_calendar", "POST"): cohorts(302),
    ("coach.update_settings", "POST"): cohorts(302),
    ("coach.edit_plan", "GET"): cohorts(200),
    ("coach.edit_plan", "POST"): cohorts(302),
    ("coach.statistics", "GET"): cohorts(200),
    ("coach.export_matrix", "GET"): cohorts(200),
    ("coach.export_submissions", "GET"): cohorts(200),
    ("coach.add_learner", "POST"): cohorts(302),
    ("coach.upload_learners", "POST"): cohorts(302),
    ("coach.learner", "GET"): learners(200),
    ("coach.mark_signals_seen", "POST"): learners(302),
    ("coach.new_invite", "POST"): learners(302),
    ("coach.comment", "POST"): learners(303),
    ("coach.health", "GET"): {"-": (LOGIN, 404, 404, 200, 200, 404, 200)},  # every coach reads it; nothing changes
    # From this host with no AUTOGRADER_METRICS_TOKEN set (the test client's address); tests/test_health.py asks
    # with a token and from elsewhere.
    ("metrics.metrics", "GET"): {"-": (200,) * 7},
}
"""Every route of the site with each method it takes: what each role gets, about what."""


@dataclass
class World:
    """The people, cohorts and submissions every route is asked about, and a logged-in client per role."""

    app: Flask
    users: dict[str, User]
    cohort_a: int
    cohort_b: int
    start: str
    exercise_id: int
    submissions: dict[str, int]
    invite_token: str
    others_token: int
    """The id of an API token of someone who is none of the roles."""
    tokens: dict[str, str] = field(default_factory=dict)
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    """Numbers for new people's addresses, each used once."""

    def comments_unread(self) -> None:
        """Make every comment new again: a request that marks one read then shows in the fingerprint."""
        with sessions(self.app).begin() as session:
            session.execute(update(Comment).values(read_at=None))

    def values(self, target: str) -> dict[str, object]:
        """The URL's values for a target of the table: a cohort, a learner in one, a submission, a slug."""
        a1, b1 = self.users["learner"].id, self.users["other learner"].id
        cohort_learner = {
            "A, A1": (self.cohort_a, a1),
            "A, B1": (self.cohort_a, b1),
            "B, B1": (self.cohort_b, b1),
        }
        values: dict[str, object] = {"slug": "hello-name", "exercise_id": self.exercise_id}
        if target in cohort_learner:
            values["cohort_id"], values["user_id"] = cohort_learner[target]
        elif target in ("A", "B"):
            values["cohort_id"] = self.cohort_a if target == "A" else self.cohort_b
        elif target in self.submissions:
            values["submission_id"] = self.submissions[target]
        elif target == "someone else's token":
            values["token_id"] = self.others_token
        elif target.endswith("invite"):
            values["token"] = self.invite_token if target == "pending invite" else "no-such-token"
        return values

    def form(self, endpoint: str) -> dict[str, object]:
        """A valid form for the endpoint, so what an allowed role sends is carried out, and a refused one is not."""
        newcomer = f"newcomer{next(self.serial)}@example.test"
        days = ["1", "2", "3", "4", "5"]
        forms: dict[str, dict[str, object]] = {
            "i18n.choose_language": {"language": "en", "next": "/"},
            "exercises.create_submission": {"code:hello.py": CODE},
            "coach.create": {"name": "New cohort", "start_date": self.start, "working_days": days},
            "coach.update_calendar": {"name": "Renamed", "start_date": self.start, "working_days": days},
            "coach.update_settings": {
                "inactive_days": "3",
                "stuck_attempts": "5",
                "stuck_minutes": "20",
                "behind_points": "40",
                "time_zone": "Europe/Paris",
            },
            "coach.add_learner": {"name": "Newcomer", "email": newcomer},
            "coach.comment": {"text": "Look at line 2 again."},
        }
        return forms.get(endpoint, {})

    def send(self, client: FlaskClient, role: str, endpoint: str, method: str, url: str):
        """Ask as this role: pages with the role's cookie, the API with the role's token."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}
        if endpoint == "api.create_submission":
            return client.post(url, json={"files": {"hello.py": CODE}}, headers=headers)
        if endpoint == "coach.upload_learners":
            csv = f"name,email\nNewcomer,csv{next(self.serial)}@example.test\n".encode()
            body, content_type = multipart([("learners.csv", csv)], field="file")
            return client.post(url, data=body, content_type=content_type)
        if endpoint == "account.end_every_session":
            response = client.post(url)
            if role in self.users:  # every session ended: log in again, the routes after this are asked logged in
                login(client, self.users[role])
            return response
        if method == "GET":
            return client.get(url, headers=headers)
        return client.post(url, data=self.form(endpoint), headers=headers)


def make_world(app: Flask) -> World:
    """Two cohorts with a learner and a submission each, an author with a reference run, an admin."""
    people = {
        "learner": make_user(app, name="A1"),
        "other learner": make_user(app, name="B1"),
        "coach": make_user(app, "coach", name="Coach A"),
        "other coach": make_user(app, "coach", name="Coach B"),
        "author": make_user(app, "author", name="Author"),
        "admin": make_user(app, "admin", name="Admin"),
    }
    start = cohort_today() - timedelta(days=10)
    cohort_a = make_cohort(app, people["coach"], start=start, learners=[people["learner"]], name="Cohort A")
    cohort_b = make_cohort(app, people["other coach"], start=start, learners=[people["other learner"]], name="B")
    at = datetime.now() - timedelta(hours=1)
    submissions = {
        "A1's": record_submission(app, people["learner"], "hello-name", at, outcome="failed", failing=("test_hello",)),
        "B1's": record_submission(app, people["other learner"], "hello-name", at),
        "reference": record_submission(app, people["author"], "hello-name", at),  # what run_reference stores
        "unknown": 999_999,
    }
    with sessions(app).begin() as session:
        exercise_id = session.scalar(select(Exercise.id).where(Exercise.slug == "hello-name"))
        # Unread: opening it as its learner marks it read, which no one else may cause.
        add_comment(session, session.get(Submission, submissions["A1's"]), people["coach"], "Look at line 1.")
        pending = User(email="pending@example.test", name="Pending", role="learner", password_hash="!")
        session.add(pending)
        session.flush()
        session.add(Enrollment(cohort_id=cohort_a.id, user_id=pending.id))
        token = create_invite(session, pending)
        create_token(session, pending)
        others_token = session.scalar(select(ApiToken.id).where(ApiToken.user_id == pending.id))
    world = World(
        app,
        people,
        cohort_a.id,
        cohort_b.id,
        cohort_a.start_date.isoformat(),
        exercise_id,
        submissions,
        token,
        others_token,
    )
    world.tokens = {role: make_token(app, user) for role, user in people.items()}
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory, redis_url) -> Iterator[World]:
    """One world for every role: what an allowed role changes never changes what another role is answered."""
    environ = environ_for(tmp_path_factory.mktemp("access"), redis_url)
    # Every role submits a few times here; the limits on submissions are not what this test is about.
    environ |= {"AUTOGRADER_SUBMISSIONS_IN_FLIGHT": "100", "AUTOGRADER_SUBMISSIONS_PER_MINUTE": "100"}
    with running_app(environ) as app:
        yield make_world(app)


def fingerprint(app: Flask) -> tuple:
    """Every row of every table, and the jobs in the queue: what a refused request must leave as it was."""
    rows = []
    with sessions(app)() as session:
        for table in Base.metadata.sorted_tables:
            # A token's last use is kept on every API call, allowed or not: that is not a change of anything shown.
            columns = [column for column in table.columns if column is not ApiToken.__table__.c.last_used_at]
            rows.append(tuple(session.execute(select(*columns).order_by(*table.primary_key.columns)).all()))
    return tuple(rows), services_of(app).queue.count


def routes(app: Flask) -> dict[tuple[str, str], object]:
    """(endpoint, method) → rule, for every rule of the site but its static files."""
    return {
        (rule.endpoint, method): rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    }


def assert_every_route_has_a_rule(app: Flask) -> None:
    """Fail, naming them, on routes with no line in EXPECTED and on lines whose route is gone."""
    found = routes(app)
    missing = sorted(f"{endpoint} ({method})" for endpoint, method in set(found) - set(EXPECTED))
    assert not missing, f"new route without an access rule in tests/test_access.py EXPECTED: {', '.join(missing)}"
    gone = sorted(f"{endpoint} ({method})" for endpoint, method in set(EXPECTED) - set(found))
    assert not gone, f"access rules for routes the site no longer has: {', '.join(gone)}"


def test_every_route_has_an_access_rule(app):
    assert_every_route_has_a_rule(app)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says_and_a_refusal_changes_nothing(world, role):
    app = world.app
    assert_every_route_has_a_rule(app)
    world.comments_unread()  # an earlier role may have opened them
    client = app.test_client()
    if role != "visitor":
        login(client, world.users[role])
    problems = []
    before = None  # the database and queue as they were, while nothing allowed has run since
    # Logging out last: every other request is made logged in.
    for (endpoint, method), rule in sorted(routes(app).items(), key=lambda item: item[0] == ("auth.logout", "POST")):
        for target, answers in EXPECTED[(endpoint, method)].items():
            expected = answers[ROLES.index(role)]
            values = {name: value for name, value in world.values(target).items() if name in rule.arguments}
            assert set(values) == set(rule.arguments), f"{endpoint}: the world has no {target} for {rule.rule}"
            with app.test_request_context():
                url = app.url_for(endpoint, **values)
            if expected in REFUSED and before is None:
                before = fingerprint(app)
            response = world.send(client, role, endpoint, method, url)
            got: object = response.status_code
            if got == 302 and response.location.startswith("/login?next="):
                got = LOGIN
            asked = f"{method} {url} ({endpoint}, {target}) as {role}"
            if got != expected:
                problems.append(f"{asked}: expected {expected}, got {got}")
            if expected not in REFUSED:
                before = None
            elif (after := fingerprint(app)) != before:
                problems.append(f"{asked}: refused, but something changed")
                before = after
    assert not problems, "\n".join(problems)


def enrolled(app, user: User) -> set[int]:
    """The cohorts the user is in."""
    with sessions(app)() as session:
        return set(session.scalars(select(Enrollment.cohort_id).where(Enrollment.user_id == user.id)))


def test_a_coach_cannot_take_a_learner_of_another_cohort_an_admin_can(app):
    world = make_world(app)
    a1, coach_b = world.users["learner"], world.users["other coach"]
    client = app.test_client()
    login(client, coach_b)
    page = client.post(
        f"/coach/cohorts/{world.cohort_b}/learners", data={"name": "A1", "email": a1.email}, follow_redirects=True
    ).text
    assert "is already in a cohort you do not coach; only an admin can add them to this one." in page
    assert enrolled(app, a1) == {world.cohort_a}  # nothing changed
    a1_work = world.submissions["A1's"]
    assert client.get(f"/coach/cohorts/{world.cohort_b}/learners/{a1.id}").status_code == 404
    assert client.get(f"/submissions/{a1_work}").status_code == 404

    # The same through a CSV file: the whole file is refused, naming the line.
    csv = f"name,email\nSomeone new,new@example.test\nA1,{a1.email}\n".encode()
    body, content_type = multipart([("learners.csv", csv)], field="file")
    page = client.post(
        f"/coach/cohorts/{world.cohort_b}/learners.csv", data=body, content_type=content_type, follow_redirects=True
    ).text
    assert "Nothing was imported" in page and "Line 3:" in page and "only an admin can add them" in page
    assert enrolled(app, a1) == {world.cohort_a}
    with sessions(app)() as session:
        assert session.scalar(select(func.count()).select_from(User).where(User.email == "new@example.test")) == 0

    # In Dutch too.
    client.post("/language", data={"language": "nl", "next": "/"})
    page = client.post(
        f"/coach/cohorts/{world.cohort_b}/learners", data={"name": "A1", "email": a1.email}, follow_redirects=True
    ).text
    assert "alleen een beheerder" in page

    admin = app.test_client()
    login(admin, world.users["admin"])
    page = admin.post(
        f"/coach/cohorts/{world.cohort_b}/learners", data={"name": "A1", "email": a1.email}, follow_redirects=True
    ).text
    assert "had an account already and is now in this cohort" in page
    assert enrolled(app, a1) == {world.cohort_a, world.cohort_b}
    # Now coach B coaches A1 too: their history is theirs to read.
    assert client.get(f"/submissions/{a1_work}").status_code == 200


def test_a_learner_in_no_cohort_or_only_in_the_coachs_own_can_be_added_by_that_coach(app):
    world = make_world(app)
    coach_a, coach_b = world.users["coach"], world.users["other coach"]
    loner = make_user(app, name="Loner")
    client = app.test_client()
    login(client, coach_b)
    page = client.post(
        f"/coach/cohorts/{world.cohort_b}/learners", data={"name": "Loner", "email": loner.email}, follow_redirects=True
    ).text
    assert "had an account already and is now in this cohort" in page
    assert enrolled(app, loner) == {world.cohort_b}
    # A coach moves their own learner to a second cohort of theirs.
    second = make_cohort(app, coach_a, start=cohort_today(), name="Cohort A, second sprint")
    coach = app.test_client()
    login(coach, coach_a)
    a1 = world.users["learner"]
    coach.post(f"/coach/cohorts/{second.id}/learners", data={"name": "A1", "email": a1.email})
    assert enrolled(app, a1) == {world.cohort_a, second.id}


def test_the_core_refuses_the_same_whoever_calls_it(app):
    world = make_world(app)
    a1 = world.users["learner"]
    with sessions(app)() as session:
        cohort_b = session.get(Cohort, world.cohort_b)
        with pytest.raises(CohortError, match="only an admin can add them"):
            enrol(session, cohort_b, name="A1", email=a1.email, by=session.merge(world.users["other coach"]))
        enrol(session, cohort_b, name="A1", email=a1.email, by=None)  # the operator, from the command line
        session.flush()
        assert session.get(Enrollment, (world.cohort_b, a1.id)) is not None


def test_a_coachs_api_token_reads_only_their_own_learners_submissions(app):
    world = make_world(app)
    client = app.test_client()

    def read(role: str, whose: str) -> int:
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
        return client.get(f"/api/v1/submissions/{world.submissions[whose]}", headers=headers).status_code

    assert read("other coach", "A1's") == 404
    assert read("other coach", "B1's") == 200
    assert read("coach", "A1's") == 200
    assert read("author", "A1's") == 404
    assert read("admin", "A1's") == 200
