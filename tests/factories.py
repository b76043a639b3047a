"""Helpers that make users and log them in, and a mail server's handler."""

import itertools
import socket
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TypeVar

from aiosmtpd.smtp import AuthResult, LoginPassword

from grader.people.accounts import create_user
from grader.people.tokens import create_token
from grader.services import Services
from grader.settings import load_settings
from sandbox.container import LABEL, OWNER_LABEL, owner
from sandbox.report import SandboxUnavailable
from web.context import EXTENSION

T = TypeVar("T")

PASSWORD = "correct horse"
_numbers = itertools.count(1)


def services_of(app) -> Services:
    """The app's Services."""
    return app.extensions[EXTENSION]


def sessions(app):
    """The app's session factory."""
    return services_of(app).sessions


def make_user(app, role: str = "learner", name: str | None = None):
    """Create a user with the test password; return the detached row."""
    number = next(_numbers)
    with sessions(app).begin() as session:
        return create_user(
            session, email=f"{role}{number}@example.test", name=name or f"{role} {number}", role=role, password=PASSWORD
        )


def login(client, user) -> None:
    """Log the client in as the user through the real login form."""
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.text


def make_token(app, user) -> str:
    """A new API token for the user."""
    with sessions(app).begin() as session:
        return create_token(session, session.merge(user))


def multipart(files: list[tuple[str, bytes]], field: str = "upload") -> tuple[bytes, str]:
    """A multipart body built in memory; the test client would spool a large one to a file it never closes."""
    parts = [
        b'--x\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n\r\n%s\r\n'
        % (field.encode(), name.encode(), content)
        for name, content in files
    ]
    return b"".join(parts) + b"--x--\r\n", "multipart/form-data; boundary=x"


def my_sandbox_containers(client) -> list:
    """Sandbox containers started by this test process (other processes may be grading meanwhile)."""
    return client.containers.list(all=True, filters={"label": [LABEL, f"{OWNER_LABEL}={owner()}"]}, ignore_removed=True)


def make_cohort(app, coach, *, start, learners=(), name="Sprint test", working_days=(1, 2, 3, 4, 5)):
    """A cohort coached by coach with the given learners enrolled.

    A first day must be a working day: one given relative to today that falls on another day moves back to the
    working day before it, so tests that start a cohort "ten days ago" pass on every day of the week.
    """
    from datetime import timedelta

    from grader.people.cohorts import create_cohort, enrol

    while start.isoweekday() not in working_days:
        start -= timedelta(days=1)
    with sessions(app).begin() as session:
        cohort = create_cohort(
            session, name=name, start_date=start, coach=session.merge(coach), working_days=list(working_days)
        )
        for learner in learners:
            enrol(session, cohort, name=learner.name, email=learner.email, by=None)
        return cohort


def record_submission(app, user, slug, at, outcome="passed", score=None, failing=(), **fields):
    """A graded submission stored as the worker would have stored it, at a chosen time, with any other fields."""
    from sqlalchemy import select

    from grader.grading.lifecycle import refresh_read_models
    from grader.models import Exercise, Status, Submission, TestResult

    with sessions(app).begin() as session:
        exercise = session.scalar(select(Exercise).where(Exercise.slug == slug))
        if score is None:
            score = exercise.max_score if outcome == "passed" else 0.0
        submission = Submission(
            user_id=user.id,
            exercise_id=exercise.id,
            files={exercise.files[0]: "x = 1\n"},
            attempt=1,
            outcome=outcome,
            score=score,
            max_score=exercise.max_score,
            **({"status": Status.GRADED, "feedback": "", "created_at": at, "graded_at": at} | fields),
        )
        ran = outcome in ("passed", "failed")  # an error, a timeout or memory runs no test to its end
        submission.results = [
            TestResult(
                position=i,
                name=entry["name"],
                description=entry.get("description", ""),
                hidden=entry["hidden"],
                status="failed" if entry["name"] in failing else ("passed" if ran else "not run"),
                hint=entry["hint"] if entry["name"] in failing and entry["visibility"] == "hidden-with-hint" else "",
            )
            for i, entry in enumerate(exercise.manifest)
        ]
        session.add(submission)
        session.flush()
        refresh_read_models(session, user.id, exercise.id)
        return submission.id


def passing_verdict(session, submission_id: int):
    """The verdict of a run of the submission in which every test passed."""
    from dataclasses import replace

    from grader.grading.verdict import infrastructure_failure
    from grader.models import Outcome, Submission, TestStatus

    failed = infrastructure_failure(session.get(Submission, submission_id).exercise.manifest)
    tests = tuple(replace(test, status=TestStatus.PASSED) for test in failed.tests)
    return replace(failed, outcome=Outcome.PASSED, notice=None, tests=tests)


def drain_queues(app) -> None:
    """Run the app's grading queues to empty in this process with a real worker, held-back jobs included."""
    from rq.registry import ScheduledJobRegistry

    from grader.grading.queue import queues_of
    from grader.grading.worker import GradingWorker

    services = services_of(app)
    queues = queues_of(services.queue)
    deadline = time.monotonic() + 600
    while True:
        assert time.monotonic() < deadline, "the grading queues did not empty in 600 s"
        worker = GradingWorker(queues, image=services.settings.sandbox_image, connection=services.queue.connection)
        worker.work(burst=True)
        if all(queue.count == 0 and ScheduledJobRegistry(queue=queue).count == 0 for queue in queues):
            return
        time.sleep(0.1)  # a job held back after a failed try: its pause is not over yet


def stored_verdicts(app, submission_id: int) -> list[tuple[int, str]]:
    """(attempt, outcome) of every verdict ever stored on the submission, from the audit, oldest first."""
    from sqlalchemy import select

    from grader.models import StoredVerdict

    with sessions(app)() as session:
        rows = session.execute(
            select(StoredVerdict.attempt, StoredVerdict.outcome)
            .where(StoredVerdict.submission_id == submission_id)
            .order_by(StoredVerdict.id)
        )
        return [(attempt, outcome) for attempt, outcome in rows]


def with_retries(run: Callable[[], T], tries: int = load_settings({}).grading_attempts) -> T:
    """Run a sandbox run as the worker does: a failure of the sandbox itself (ours) is tried again."""
    for attempt in range(tries):
        try:
            return run()
        except SandboxUnavailable:
            if attempt == tries - 1:
                raise
    raise AssertionError("no try was made")


class MailServer:
    """What a local SMTP server received, the addresses it refuses, and the settings that send to it."""

    def __init__(self, *, password: str | None = None) -> None:
        self.port = free_port()
        self.received: list[EmailMessage] = []
        self.refused: set[str] = set()
        self.on_receive: Callable[[EmailMessage], None] = lambda _email: None
        self.password = password  # with one, mail is taken only after logging in as "grader"

    def settings(self, **more: str) -> dict[str, str]:
        """AUTOGRADER_* variables that send to this server (plain, as to a relay on this host)."""
        return {
            "AUTOGRADER_SMTP_HOST": "127.0.0.1",
            "AUTOGRADER_SMTP_PORT": str(self.port),
            "AUTOGRADER_SMTP_SECURITY": "none",
            "AUTOGRADER_MAIL_FROM": "Autograder <grader@example.test>",
        } | more

    def authenticate(self, _server, _session, _envelope, _mechanism, login: LoginPassword) -> AuthResult:
        """aiosmtpd's authenticator: the user grader with the password this server was made with."""
        right = (login.login, login.password) == (b"grader", (self.password or "").encode())
        return AuthResult(success=right, handled=False, auth_data=login)  # not handled: aiosmtpd answers 235 or 535

    async def handle_MAIL(self, _server, session, envelope, address, options) -> str:
        if self.password is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, _server, _session, envelope, address, _options) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope) -> str:
        # Line ends as a file has them; policy.default parses into an EmailMessage.
        email = message_from_bytes(envelope.content.replace(b"\r\n", b"\n"), policy=policy.default)
        self.on_receive(email)
        self.received.append(email)
        return "250 Message accepted for delivery"


def wait_until(condition: Callable[[], object], seconds: float = 60.0, what: str = "the condition") -> None:
    """Return once condition() is true, asking again every 0.05 s; fail after seconds, naming what did not happen."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds:.0f} s"
        time.sleep(0.05)


def free_port() -> int:
    """A TCP port of this host that nothing listens on (a connection to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cohort_today():
    """Today where a cohort of the default zone lives: between 23:00 and midnight UTC, Brussels is a day ahead."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from grader.models import DEFAULT_TIME_ZONE

    return datetime.now(ZoneInfo(DEFAULT_TIME_ZONE)).date()
