"""One installation per checkout or database: its own queue, its own secret key, one `autograder run` at a time."""

import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from grader.cli import cli
from grader.instance import held_lock, kept_secret
from grader.models import Cohort, User
from grader.people.demo import DEMO_PEOPLE, seed_demo
from grader.services import Services
from grader.settings import INSTANCE_DIR, PROJECT_ROOT, Settings, SettingsError, load_settings
from tests.factories import free_port

MAKERS = 4
"""Writers that make the secret key at the same moment."""

ROUNDS = 50
"""Times they race; before keys were linked into place, most rounds ended with two keys or an empty one."""


def test_each_database_has_a_queue_of_its_own(tmp_path):
    first = load_settings({"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}"})
    second = load_settings({"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'two.db'}"})
    assert first.queue_name != second.queue_name
    assert first.queue_name.startswith("grading-") and second.queue_name.startswith("grading-")
    assert load_settings({"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}"}).queue_name == first.queue_name
    assert Settings().queue_name == load_settings({}).queue_name  # the checkout's own database


def test_the_queue_follows_the_database_not_how_its_url_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = load_settings({"AUTOGRADER_DATABASE_URL": "sqlite:///grader.db"})
    absolute = load_settings({"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'grader.db'}"})
    assert relative.queue_name == absolute.queue_name
    # A new database password must not strand the jobs already queued; the name never reveals it either.
    old = load_settings({"AUTOGRADER_DATABASE_URL": "postgresql://grader:old-secret@db.example.org/grader"})
    new = load_settings({"AUTOGRADER_DATABASE_URL": "postgresql://grader:new-secret@db.example.org/grader"})
    assert old.queue_name == new.queue_name
    other = load_settings({"AUTOGRADER_DATABASE_URL": "postgresql://grader:old-secret@db.example.org/staging"})
    assert other.queue_name != old.queue_name


def test_a_queue_name_that_is_set_wins(tmp_path):
    settings = load_settings(
        {"AUTOGRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}", "AUTOGRADER_QUEUE_NAME": "grading"}
    )
    assert settings.queue_name == "grading"


@pytest.mark.parametrize("name", ["grading queue", "grading.main", "wachtrij-ë", "grading\n"])
def test_a_queue_name_that_cannot_be_part_of_a_job_id_is_named(name):
    with pytest.raises(SettingsError, match="AUTOGRADER_QUEUE_NAME may only hold letters, digits"):
        load_settings({"AUTOGRADER_QUEUE_NAME": name})


def test_a_database_url_that_cannot_be_read_is_named_without_repeating_it():
    with pytest.raises(SettingsError, match="AUTOGRADER_DATABASE_URL is not a database URL") as raised:
        load_settings({"AUTOGRADER_DATABASE_URL": "grader:hunter2@db"})
    assert "hunter2" not in str(raised.value)


def test_the_secret_key_is_made_once_readable_only_by_its_owner(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    key = kept_secret(path)
    assert len(key) == 64 and kept_secret(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [entry.name for entry in path.parent.iterdir()] == ["secret_key"]  # nothing left of its making


def test_writers_starting_together_all_use_one_secret_key(tmp_path):
    # The site's processes start at once (gunicorn's two, a command beside them): each must sign with the same key.
    for round_number in range(ROUNDS):
        path = tmp_path / str(round_number) / "secret_key"
        start = threading.Barrier(MAKERS)
        keys: list[str] = []

        def make(path: Path = path, start: threading.Barrier = start, keys: list[str] = keys) -> None:
            start.wait()
            keys.append(kept_secret(path))

        makers = [threading.Thread(target=make) for _ in range(MAKERS)]
        for maker in makers:
            maker.start()
        for maker in makers:
            maker.join()
        assert len(keys) == MAKERS and set(keys) == {path.read_text().strip()}, f"round {round_number}: {keys}"
        assert len(keys[0]) == 64


def test_a_second_run_stops_at_once_and_names_the_first(settings_env):
    lock = INSTANCE_DIR / f"run-{settings_env['AUTOGRADER_QUEUE_NAME']}.lock"
    with held_lock(lock):
        second = CliRunner().invoke(cli, ["run"])
        assert second.exit_code == 1
        assert f"autograder run is already running for this installation (process {os.getpid()}" in second.output
        assert lock.read_text().strip() == str(os.getpid())  # the first keeps its lock
    assert not lock.exists()  # let go and removed when the first ends


def test_the_demo_cohort_is_made_once(tmp_path):
    services = Services.build(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}"))
    services.prepare_database()
    try:
        with services.sessions.begin() as session:
            created = seed_demo(session)
        with services.sessions.begin() as session:
            assert seed_demo(session) == []
            assert session.scalar(select(func.count()).select_from(User)) == len(DEMO_PEOPLE) == len(created)
            assert session.scalar(select(func.count()).select_from(Cohort)) == 1
    finally:
        services.close()


def answers(url: str) -> bool:
    """Whether the site at url answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def test_run_on_a_chosen_database_seeds_no_demo_and_a_second_run_leaves_it_alone(
    settings_env, tmp_path, monkeypatch, docker_client
):
    (tmp_path / "bank").mkdir()
    for name, value in {
        "AUTOGRADER_EXERCISES_DIR": str(tmp_path / "bank"),
        "AUTOGRADER_WORKERS": "1",
        "AUTOGRADER_SANDBOX_POOL": "0",
        "AUTOGRADER_SECRET_KEY": "test",  # the checkout's own key stays as it is
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    command = [sys.executable, "-m", "grader.cli", "run", "--port", str(port)]
    login_page = f"http://127.0.0.1:{port}/login"
    with open(tmp_path / "first.log", "w+") as log:
        first = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while not answers(login_page):
                assert first.poll() is None and time.monotonic() < deadline, Path(log.name).read_text()
                time.sleep(0.2)
            second = subprocess.run(command, capture_output=True, text=True, timeout=60)
            assert second.returncode == 1
            assert f"already running for this installation (process {first.pid}" in second.stderr
            assert first.poll() is None and answers(login_page)
        finally:
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=60)
        log.seek(0)
        output = log.read()
    assert "no demo cohort: AUTOGRADER_DATABASE_URL is set" in output and "Demo accounts" not in output
    services = Services.build(load_settings(settings_env))
    try:
        with services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(User)) == 0
    finally:
        services.close()


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A folder with the Makefile, data in instance/, and the caches and virtual environment make makes."""
    shutil.copy(PROJECT_ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("instance/autograder.db", "instance/secret_key", ".venv/bin/python", ".pytest_cache/README.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("kept")
    return tmp_path


def make(checkout: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run make in the checkout."""
    return subprocess.run(["make", "-s", *arguments], cwd=checkout, capture_output=True, text=True, timeout=60)


def test_make_clean_removes_caches_and_never_data(checkout):
    assert make(checkout, "clean").returncode == 0
    assert not (checkout / ".venv").exists() and not (checkout / ".pytest_cache").exists()
    assert (checkout / "instance" / "autograder.db").read_text() == "kept"
    assert (checkout / "instance" / "secret_key").read_text() == "kept"


def test_make_wipe_data_asks_for_confirmation_and_waits_for_run_to_stop(checkout):
    unconfirmed = make(checkout, "wipe-data")
    assert unconfirmed.returncode != 0 and "make wipe-data CONFIRM=1" in unconfirmed.stderr
    with held_lock(checkout / "instance" / "run-grading-0123456789ab.lock"):
        running = make(checkout, "wipe-data", "CONFIRM=1")
    assert running.returncode != 0 and "autograder run is running on this data" in running.stderr
    assert (checkout / "instance" / "autograder.db").exists()
    assert make(checkout, "wipe-data", "CONFIRM=1").returncode == 0
    assert not (checkout / "instance").exists() and (checkout / ".venv").exists()
