"""`autograder db backup` while the site runs, and `autograder db restore` into a new database: the same data, on
SQLite and on PostgreSQL; and clear refusals of what is not a backup or would overwrite something."""

import os
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from grader.cli import cli
from grader.db import make_engine
from grader.models import Base
from tests.conftest import database_url_for, on_postgres, release_database
from tests.factories import drain_queues, login, make_token, make_user

pytestmark = pytest.mark.integration

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'


def autograder(*arguments: str, environ: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *arguments],
        env=os.environ | environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def command(*arguments: str, environ: dict[str, str]) -> Result:
    """The command run in this process (as a new process would, from these AUTOGRADER_* variables): quicker."""
    return CliRunner().invoke(cli, list(arguments), env=environ)


def everything(database_url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in the order of its primary key."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
                for name, table in Base.metadata.tables.items()
            }
    finally:
        engine.dispose()


@pytest.fixture
def fresh_database(tmp_path):
    """The URL of another database, new and empty, of the kind the tests run on."""
    url = database_url_for(tmp_path / "restored")
    yield url
    release_database(url)


def test_a_backup_made_while_the_site_runs_restores_the_same_data(app, settings_env, tmp_path, fresh_database):
    learner = make_user(app)
    browser = app.test_client()
    login(browser, learner)
    assert browser.post("/exercises/hello-name/submissions", data={"code:hello.py": CORRECT}).status_code == 302
    drain_queues(app)  # graded: results, verdicts and standings are in the database too
    api = app.test_client()
    headers = {"Authorization": f"Bearer {make_token(app, learner)}"}
    # The site keeps taking submissions while the backup is made.
    stop = threading.Event()

    def keep_submitting() -> None:
        while not stop.is_set():
            answer = api.post(
                "/api/v1/exercises/hello-name/submissions", json={"files": {"hello.py": CORRECT}}, headers=headers
            )
            assert answer.status_code in (202, 429)

    submitting = threading.Thread(target=keep_submitting)
    submitting.start()
    try:
        made = autograder("db", "backup", str(tmp_path / "grader.backup"), environ=settings_env)
    finally:
        stop.set()
        submitting.join()
    assert made.returncode == 0, made.stderr
    assert "backup written" in made.stdout
    assert (tmp_path / "grader.backup").stat().st_mode & 0o777 == 0o600  # it holds the password hashes
    before = everything(settings_env["AUTOGRADER_DATABASE_URL"])

    restored = autograder(
        "db",
        "restore",
        str(tmp_path / "grader.backup"),
        environ=settings_env | {"AUTOGRADER_DATABASE_URL": fresh_database},
    )
    assert restored.returncode == 0, restored.stderr
    after = everything(fresh_database)
    assert after["users"] and after["submissions"] and after["test_results"]
    # The backup is of one moment while submissions came in (they add rows to submissions, and change nothing
    # else): every other table is equal, and the submissions are those up to that moment, whole.
    assert {name: rows for name, rows in after.items() if name != "submissions"} == {
        name: rows for name, rows in before.items() if name != "submissions"
    }
    assert after["submissions"] == before["submissions"][: len(after["submissions"])]


def test_garbage_and_overwrites_are_refused_with_the_reason(app, settings_env, tmp_path, fresh_database):
    missing = command("db", "restore", str(tmp_path / "nothing.backup"), environ=settings_env)
    assert missing.exit_code != 0 and "does not exist" in missing.output
    (tmp_path / "notes.txt").write_text("not a backup at all\n")
    garbage = command("db", "restore", str(tmp_path / "notes.txt"), environ=settings_env)
    assert garbage.exit_code != 0 and "is not a backup made by 'autograder db backup'" in garbage.output

    backup = tmp_path / "grader.backup"
    make_user(app)
    before = everything(settings_env["AUTOGRADER_DATABASE_URL"])
    assert command("db", "backup", str(backup), environ=settings_env).exit_code == 0
    again = command("db", "backup", str(backup), environ=settings_env)
    assert again.exit_code != 0 and "exists already" in again.output
    assert command("db", "backup", "--force", str(backup), environ=settings_env).exit_code == 0

    in_use = command("db", "restore", str(backup), environ=settings_env)
    assert in_use.exit_code != 0 and "holds tables already" in in_use.output
    assert command("db", "restore", "--force", str(backup), environ=settings_env).exit_code == 0
    assert everything(settings_env["AUTOGRADER_DATABASE_URL"]) == before

    other_kind = tmp_path / "other-kind.backup"
    if on_postgres():  # a backup of a SQLite database of the autograder
        with closing(sqlite3.connect(other_kind)) as database:
            database.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    else:  # what pg_dump --format=custom writes first
        other_kind.write_bytes(b"PGDMP\x01\x0e\x00")
    mixed = command(
        "db", "restore", str(other_kind), environ=settings_env | {"AUTOGRADER_DATABASE_URL": fresh_database}
    )
    assert mixed.exit_code != 0 and "restore it into a database of the same kind" in mixed.output


@pytest.mark.postgres
def test_without_pg_dump_the_backup_says_what_to_install(app, settings_env, tmp_path):
    made = autograder("db", "backup", str(tmp_path / "grader.backup"), environ=settings_env | {"PATH": str(tmp_path)})
    assert made.returncode != 0
    assert "pg_dump is not installed" in made.stderr and "postgresql-client" in made.stderr
    assert not (tmp_path / "grader.backup").exists()
