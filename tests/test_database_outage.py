"""A PostgreSQL server that cannot be reached when the system starts is waited for: the worker, the commands that
prepare the database and the site go on once it is back, and a submission accepted before is graded, never lost."""

import contextlib
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from grader.db import DatabaseRefused, make_engine, wait_for_database
from tests.conftest import running_app
from tests.factories import PASSWORD, free_port, login, make_user

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'


class Forwarder(socketserver.ThreadingTCPServer):
    """A TCP relay from a port of this host to the PostgreSQL server: the database 'comes back' when it starts."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.target = target
        super().__init__(("127.0.0.1", port), Relay)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class Relay(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        assert isinstance(self.server, Forwarder)
        with socket.create_connection(self.server.target) as upstream:
            back = threading.Thread(target=pump, args=(upstream, self.request), daemon=True)
            back.start()
            pump(self.request, upstream)
            back.join()


def pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


class Output:
    """The lines a process writes to stderr, read as they come."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.process = process
        assert process.stderr is not None
        threading.Thread(target=self._read, args=(process.stderr,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None, "".join(self.lines)
            assert time.monotonic() < deadline, f"never said {text!r}: {''.join(self.lines)}"
            time.sleep(0.05)


def unreachable(database_url: str) -> tuple[str, int, tuple[str, int]]:
    """The same database through a port nothing listens on (yet): that URL, the port, and where it should lead."""
    url = make_url(database_url)
    port = free_port()
    relayed = url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    return relayed, port, (url.host or "127.0.0.1", url.port or 5432)


def start(command: list[str], environ: dict[str, str]) -> tuple[subprocess.Popen, Output]:
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", *command],
        env=os.environ | environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, Output(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def test_a_worker_started_while_the_database_is_down_waits_then_grades_what_was_accepted(app, settings_env):
    learner = app.test_client()
    login(learner, make_user(app))
    location = learner.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).location
    assert location  # accepted: stored in the database and queued
    relayed, port, target = unreachable(settings_env["AUTOGRADER_DATABASE_URL"])
    worker, output = start(["worker", "--burst"], settings_env | {"AUTOGRADER_DATABASE_URL": relayed})
    forwarder = None
    try:
        output.wait_for("is not reachable (try 2")  # one line a try, and it keeps trying
        assert worker.poll() is None
        forwarder = Forwarder(port, target)
        assert worker.wait(timeout=120) == 0, "".join(output.lines)
    finally:
        stop(worker)
        if forwarder is not None:
            forwarder.close()
    said = "".join(output.lines)
    assert ":***@" in said and f":{make_url(relayed).password}@" not in said  # the password is never written
    assert "is reachable again" in said
    assert "✓ passed" in learner.get(location + "/result").text


def test_the_database_commands_wait_for_the_server_then_prepare_it(settings_env):
    relayed, port, target = unreachable(settings_env["AUTOGRADER_DATABASE_URL"])
    upgrade, output = start(["db", "upgrade"], settings_env | {"AUTOGRADER_DATABASE_URL": relayed})
    forwarder = None
    try:
        output.wait_for("is not reachable (try 1")
        forwarder = Forwarder(port, target)
        assert upgrade.wait(timeout=60) == 0, "".join(output.lines)
        assert upgrade.stdout is not None
        stdout = upgrade.stdout.read()
    finally:
        stop(upgrade)
        if forwarder is not None:
            forwarder.close()
    assert "database at revision" in stdout


def test_the_site_answers_that_the_database_is_away_then_works_once_it_is_back(settings_env):
    relayed, port, target = unreachable(settings_env["AUTOGRADER_DATABASE_URL"])
    with running_app(settings_env) as app:  # prepared on the real server; the site is then pointed at the relay
        user = make_user(app)
    with running_app(settings_env | {"AUTOGRADER_DATABASE_URL": relayed}, prepare=False) as site:
        browser = site.test_client()
        away = browser.post("/login", data={"email": user.email, "password": PASSWORD})
        assert away.status_code == 503
        assert "cannot reach its data" in away.text
        forwarder = Forwarder(port, target)
        try:
            login(browser, user)
            assert browser.get("/exercises/hello-name").status_code == 200
        finally:
            forwarder.close()


def refuse_to_wait(seconds: float) -> None:
    raise AssertionError(f"waited {seconds} s for a server that refuses us")


@pytest.mark.parametrize(
    ("wrong", "said"),
    [({"password": "not-the-password"}, "password authentication failed"), ({"database": "no_such_db"}, "no_such_db")],
)
def test_a_server_that_refuses_us_is_said_at_once_not_waited_for(settings_env, wrong, said):
    """The server runs and lets clients in (asked as pg_isready asks, in no language), so waiting would not help."""
    url = make_url(settings_env["AUTOGRADER_DATABASE_URL"]).set(**wrong)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(DatabaseRefused, match=f"{said}.*check the role, password and database name"):
            wait_for_database(engine, sleep=refuse_to_wait)
    finally:
        engine.dispose()


def test_a_postgresql_url_without_a_driver_connects_through_psycopg(settings_env):
    url = make_url(settings_env["AUTOGRADER_DATABASE_URL"]).set(drivername="postgresql")
    engine = make_engine(url.render_as_string(hide_password=False))  # SQLAlchemy 2.0 alone would pick psycopg2
    try:
        assert engine.driver == "psycopg"
        wait_for_database(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("cause", "status"),
    [
        (psycopg.OperationalError("connection to server failed: Connection refused"), 503),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), 503),
        (psycopg.errors.DeadlockDetected("deadlock detected"), 500),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), 500),
    ],
)
def test_only_a_server_that_is_away_gets_the_page_saying_so(app, cause, status):
    """A deadlock or a cancelled query is a failure of ours to fix, not a server to wait for."""

    def failing() -> str:
        raise OperationalError("SELECT 1", {}, cause)

    app.add_url_rule("/failing", view_func=failing)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an error of ours is a 500 page, not a traceback
    response = app.test_client().get("/failing")
    assert response.status_code == status
    assert ("cannot reach its data" in response.text) == (status == 503)
